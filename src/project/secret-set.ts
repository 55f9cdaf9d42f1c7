/**
 * `coffer set`: writes one secret's value into its environment's provider. A secret the config
 * declares is first checked against its category's policy for the environment's profile (a
 * failing value is refused unless forced), is refused when it repeats one of its last 4 values in
 * categories that forbid reuse (PCI-DSS 8.3.7, where the provider keeps versions), and is recorded
 * with the time it was set and the date its rotation is due. On the embedded store the write can
 * be a check-and-set against the version the caller last read. The value never leaves this module
 * except into the provider; results and errors carry names, versions and check messages only.
 */
import { CATEGORIES, rotationDeadline } from '../core/categories.js';
import { CofferError } from '../core/errors.js';
import { validateSecrets, type CheckResult } from '../core/validation/index.js';
import { getEnvironment, secretsOf, type ResolvedSecret } from '../config/resolve.js';
import type { SecretWrite } from '../providers/types.js';
import { openEnvironmentProvider, openEnvironmentStore } from './_environment.js';
import { assertSecretName, assertWholeNumber, storeLocationLabel, withStore, type SecretRequest } from './secret-common.js';

/** Options of {@link setSecret}. */
export interface SetSecretRequest extends SecretRequest {
  readonly value: string;
  /** Check-and-set: write only if the current version is this one (0: only if the secret does not exist). Store only. */
  readonly expectVersion?: number;
  /** Store a value that fails the policy checks anyway (the failures are returned). */
  readonly force?: boolean;
  /** The clock; default now. */
  readonly now?: Date;
}

/** What {@link setSecret} did; never carries the value. */
export interface SetSecretResult {
  readonly name: string;
  readonly environment: string;
  /** The new version, where the provider has versions. */
  readonly version?: number;
  /** Where the value went (a path or a description). */
  readonly location: string;
  /** Whether the config declares the secret for this environment (only declared secrets are checked against policy). */
  readonly declared: boolean;
  /** When the value must be rotated, for declared secrets. */
  readonly rotateBy?: string;
  /** Policy checks that did not pass: warnings, and failures that `force` let through. */
  readonly checks: readonly CheckResult[];
}

/** Sets one secret; see the module comment. */
export async function setSecret(request: SetSecretRequest): Promise<SetSecretResult> {
  const { config, environment, name, value } = request;
  assertSecretName(name);
  const env = getEnvironment(config, environment);
  if (value === '') throw new CofferError('COFFER_E_USAGE', `The value given for ${name} is empty; nothing was written. An empty value counts as missing: give a value, or \`coffer delete ${name}\` to remove it.`);
  if (request.expectVersion !== undefined) {
    assertWholeNumber(request.expectVersion, '--expect-version', 0);
    if (env.provider !== 'store') {
      throw new CofferError('COFFER_E_UNSUPPORTED', `--expect-version needs a provider with versions, and environment "${environment}" keeps its values in the ${env.provider} provider; drop the option or move the environment to \`"provider": "store"\`.`);
    }
  }
  const now = request.now ?? new Date();
  const declared = secretsOf(config, environment).find((s) => s.name === name);
  const checks = declared === undefined ? [] : policyChecks(declared, value, env.profile, environment, now);
  const failed = checks.filter((c) => c.status === 'fail');
  if (failed.length > 0 && request.force !== true) {
    throw new CofferError('COFFER_E_WEAK_SECRET', `${name} was not written: the value fails the ${env.profile} policy of category ${declared?.category ?? 'generic'} (${failed.map((c) => c.check).join(', ')}): ${failed.map((c) => c.message).join(' ')} Choose a stronger value, or pass --force to store it anyway.`, { details: { name, environment, failed } });
  }
  const rotateBy = declared === undefined ? undefined : rotationDeadline(now, declared.rotationDays);
  const write: SecretWrite = {
    name, value,
    metadata: { updatedAt: now.toISOString(), ...(rotateBy === undefined ? {} : { rotateBy }) },
    ...(declared !== undefined && CATEGORIES[declared.category].noReuse ? { noReuse: true } : {}),
  };
  const written = env.provider === 'store' ? await putInStore(request, write) : await setInProvider(request, write);
  return {
    name, environment, ...written, declared: declared !== undefined,
    ...(rotateBy === undefined ? {} : { rotateBy }),
    checks: checks.filter((c) => c.status !== 'pass'),
  };
}

/** The value checks of `validate` for one secret (length, strength, guessability, placeholder, classes). */
function policyChecks(secret: ResolvedSecret, value: string, profile: 'production' | 'development', environment: string, now: Date): CheckResult[] {
  // A Public variable is no secret: validate skips it, and so does set.
  if (secret.level === 'Public') return [];
  const report = validateSecrets({
    environment, profile, now, hintEnvironment: environment,
    // Fresh rotation dates, so the rotation check judges nothing the caller did not choose.
    secrets: [{ name: secret.name, value, category: secret.category, required: secret.required, rotationDays: secret.rotationDays, metadata: { updatedAt: now.toISOString() } }],
  });
  return [...report.results];
}

async function putInStore(request: SetSecretRequest, write: SecretWrite): Promise<{ version: number; location: string }> {
  const { config, environment } = request;
  return withStore(openEnvironmentStore(config, environment, { ...request.access, create: true }), async (es) => {
    const info = await es.store.put(es.env, write.name, write.value, {
      actor: es.actor,
      ...(write.metadata?.updatedAt ? { updatedAt: write.metadata.updatedAt } : {}),
      ...(write.metadata?.rotateBy ? { rotateBy: write.metadata.rotateBy } : {}),
      ...(write.noReuse ? { noReuse: true } : {}),
      ...(request.expectVersion === undefined ? {} : { expectVersion: request.expectVersion }),
    });
    return { version: info.version, location: storeLocationLabel(es) };
  });
}

async function setInProvider(request: SetSecretRequest, write: SecretWrite): Promise<{ location: string }> {
  const { config, environment } = request;
  const provider = await openEnvironmentProvider(config, environment, request.access);
  try {
    if (!provider.capabilities.write || !provider.capabilities.persistent) {
      throw new CofferError('COFFER_E_UNSUPPORTED', `The ${provider.id} provider of environment "${environment}" cannot keep a value; give the environment a provider that stores them (dotenv or store).`);
    }
    await provider.setMany([write]);
    return { location: provider.location };
  } finally {
    await provider.close();
  }
}
