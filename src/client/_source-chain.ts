/**
 * A fallback chain of providers (re-exported by sources.ts): reads try each provider in order and
 * the first that has the secret serves it, recording its id as `metadata.source`. Only "not
 * found" moves on to the next provider. Access denied, an outage or any other failure stops the
 * chain and is reported as it is: turning a refusal into "not found" would serve an older or
 * weaker value from a later source while hiding the real problem.
 */
import { CofferError, isCofferError } from '../core/errors.js';
import type { GetOptions, Provider, ProviderCapabilities, SecretListing, SecretRecord } from '../providers/types.js';

/** A fallback chain: a Provider that also says which providers it reads from, in order. */
export interface ChainProvider extends Provider {
  readonly id: 'chain';
  /** The providers, in the order they are asked. */
  readonly members: readonly Provider[];
}

/**
 * How health and logs name a provider: its id, or for a chain `chain(` its members `)`, nested
 * chains included, e.g. `chain(store,env)`.
 */
export function sourceLabel(provider: Provider): string {
  const members = (provider as Partial<ChainProvider>).members;
  return provider.id === 'chain' && members !== undefined ? `chain(${members.map(sourceLabel).join(',')})` : provider.id;
}

/**
 * Combines providers into one read-only provider (id `chain`). It can list only when every
 * provider can, and keeps metadata only when every provider does; it has no versions or stages,
 * since version identifiers belong to one provider. Closing it closes every provider in it.
 *
 * @example
 * const secrets = createChainProvider([storeProvider, envProvider]);
 * const record = await secrets.get('DB_PASSWORD');
 * record.metadata.source; // 'store', or 'env' when the store does not have it
 */
export function createChainProvider(providers: readonly Provider[]): ChainProvider {
  if (providers.length === 0) throw new CofferError('COFFER_E_USAGE', 'A fallback chain needs at least one provider; give one or more.');
  const members = [...providers];
  const all = (capability: keyof ProviderCapabilities) => members.every((provider) => provider.capabilities[capability]);
  const location = members.map((provider) => `${provider.id} (${provider.location})`).join(', then ');
  const capabilities: ProviderCapabilities = { write: false, list: all('list'), versions: false, stages: false, metadata: all('metadata'), persistent: all('persistent') };
  const readOnly = async (): Promise<never> => {
    throw new CofferError('COFFER_E_UNSUPPORTED', `A fallback chain (${location}) is read-only; write to one of its providers directly.`);
  };

  return {
    id: 'chain',
    members,
    location,
    capabilities,
    async get(name: string, options: GetOptions = {}): Promise<SecretRecord> {
      if (options.version !== undefined || options.stage !== undefined) {
        throw new CofferError('COFFER_E_UNSUPPORTED', `A fallback chain (${location}) cannot read a version or stage, which belong to one provider; read it from that provider.`);
      }
      for (const provider of members) {
        let record: SecretRecord;
        try {
          record = await provider.get(name);
        } catch (error) {
          if (isCofferError(error, 'COFFER_E_NOT_FOUND')) continue;
          throw error;
        }
        // An inner chain already knows the precise source.
        return { ...record, metadata: { ...record.metadata, source: record.metadata.source ?? provider.id } };
      }
      throw new CofferError('COFFER_E_NOT_FOUND', `Secret ${name} is not set in any source: ${location}. Set it in one of them.`, {
        details: { name, sources: members.map((provider) => provider.id) },
      });
    },
    async list(): Promise<SecretListing[]> {
      if (!capabilities.list) {
        const cannot = members.filter((provider) => !provider.capabilities.list).map((provider) => provider.id);
        throw new CofferError('COFFER_E_UNSUPPORTED', `A fallback chain cannot list its secrets: ${cannot.join(', ')} cannot list.`);
      }
      const found = new Map<string, SecretListing>();
      for (const provider of members) {
        for (const entry of await provider.list()) {
          if (!found.has(entry.name)) found.set(entry.name, { name: entry.name, metadata: { ...entry.metadata, source: entry.metadata.source ?? provider.id } });
        }
      }
      return [...found.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    },
    set: readOnly,
    setMany: readOnly,
    delete: readOnly,
    async close(): Promise<void> {
      const results = await Promise.allSettled(members.map((provider) => provider.close()));
      const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
      if (failed !== undefined) throw failed.reason;
    },
  };
}
