/**
 * What the commands on individual secrets share: the check of a secret name given on the
 * command line (refused before any provider is opened, and echoed back only in a form that cannot
 * drive a terminal), the checks of version numbers, and opening an environment's store for reads
 * so that a store that does not exist yet reads as "this secret is not set".
 */
import { CofferError, isCofferError } from '../core/errors.js';
import { SECRET_NAME } from '../core/names.js';
import type { Config } from '../config/resolve.js';
import { openEnvironmentStore, type AccessOptions, type EnvironmentStore } from './_environment.js';

/** What every command on one secret receives. */
export interface SecretRequest {
  readonly config: Config;
  readonly environment: string;
  /** The secret's name, as typed. */
  readonly name: string;
  /** Actor, passphrase prompt and environment variables for providers that need them. */
  readonly access?: AccessOptions;
}

/**
 * Throws COFFER_E_USAGE unless `name` is a valid secret name (letters, digits and `_`, not
 * starting with a digit). Runs before anything is opened, so `../x` never reaches a path or a key.
 */
export function assertSecretName(name: string): void {
  if (!SECRET_NAME.test(name)) {
    throw new CofferError('COFFER_E_USAGE', `${printableName(name)} is not a valid secret name: use letters, digits and _, not starting with a digit, at most 255 characters.`, { details: { name: printableName(name) } });
  }
}

/**
 * `name` quoted for a message: at most 64 characters, and every character outside printable
 * ASCII written as `\u{...}`, because a name comes from the user and a control character (ESC,
 * CSI) echoed to a terminal could rewrite what the user sees.
 */
export function printableName(name: string): string {
  const shown = [...name].slice(0, 64).map((c) => (/^[\x20-\x7e]$/.test(c) && c !== '"' && c !== '\\' ? c : `\\u{${(c.codePointAt(0) ?? 0).toString(16)}}`)).join('');
  return `"${shown}${[...name].length > 64 ? '...' : ''}"`;
}

/**
 * A whole number typed on the command line, or NaN when the text is anything else (`1e3`, `0x10`
 * and ` 2` included), which {@link assertWholeNumber} then refuses with the option's name.
 */
export function wholeNumberOption(text: string): number {
  return /^\d{1,15}$/.test(text) ? Number(text) : Number.NaN;
}

/** Throws COFFER_E_USAGE unless `value` is a whole number from `min` to `max`; `what` names the option. */
export function assertWholeNumber(value: number, what: string, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new CofferError('COFFER_E_USAGE', `${what} takes a whole number from ${min}${max === Number.MAX_SAFE_INTEGER ? '' : ` to ${max}`}.`);
  }
}

/**
 * Opens the store behind an environment for a command that reads or changes existing secrets:
 * when the store file does not exist yet, throws COFFER_E_NOT_FOUND naming the secret, since no
 * secret can be in it.
 */
export async function openExistingStore(request: SecretRequest): Promise<EnvironmentStore> {
  const { config, environment, name } = request;
  try {
    return await openEnvironmentStore(config, environment, request.access);
  } catch (error) {
    if (!isCofferError(error, 'COFFER_E_NOT_FOUND')) throw error;
    throw new CofferError('COFFER_E_NOT_FOUND', `${name} is not set in environment "${environment}": its store does not exist yet; create it with \`coffer set ${name} -e ${environment}\`.`, { cause: error, details: { name, environment } });
  }
}

/** Runs `work` on an open store and closes it afterwards, whatever happens. */
export async function withStore<T>(opened: Promise<EnvironmentStore>, work: (es: EnvironmentStore) => Promise<T>): Promise<T> {
  const es = await opened;
  try {
    return await work(es);
  } finally {
    es.store.close();
  }
}

/** How an environment's store is named in messages and output, like the store provider's location. */
export function storeLocationLabel(es: EnvironmentStore): string {
  return `${es.path} (environment ${es.env})`;
}
