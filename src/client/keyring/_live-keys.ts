/**
 * The live keys of one versioned secret, as keyrings see them: `current`, which signs and
 * encrypts, and, while a rotation's grace period lasts, `previous`, which still verifies and
 * decrypts. The rotation engine clears `previous` when the grace period ends, so a keyring that
 * reloads stops accepting the old key without being told.
 *
 * Keys are reloaded when the manager reports that the secret changed, when the snapshot is older
 * than `refreshMs`, and when a caller meets a key id it does not know (a token signed by another
 * instance that already saw the rotation); such forced reloads are rate-limited, so a stream of
 * made-up key ids cannot turn into a stream of provider calls.
 */
import { createHmac } from 'node:crypto';
import { isCofferError } from '../../core/errors.js';
import type { SecretManager } from '../manager.js';
import type { SecretSchema } from '../schema.js';

/** One live key: its id (the secret's version id) and its value. */
export interface LiveKey {
  /** The key id written into what it signs or encrypts: the secret's version id. */
  readonly kid: string;
  readonly value: string;
  readonly stage: 'current' | 'previous';
}

/** Options shared by every keyring. */
export interface KeyringOptions {
  /** The secret manager that reads the key's versions (its provider must keep stages for rotation to work). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any schema: keyrings name the secret at run time
  readonly manager: SecretManager<any>;
  /** The secret holding the key (`JWT_SECRET`). */
  readonly name: string;
  /** How long a loaded set of keys is used before it is read again; default 60000 (1 minute). */
  readonly refreshMs?: number;
  /** Least time between two reloads forced by an unknown key id; default 5000. */
  readonly unknownKidBackoffMs?: number;
}

/** The keys of one secret, reloaded as described in the module comment. */
export interface LiveKeys {
  /** Every live key, `current` first. */
  all(): Promise<readonly LiveKey[]>;
  /** The key that signs and encrypts now. */
  current(): Promise<LiveKey>;
  /** The live key with id `kid`, reloading once (rate-limited) when it is unknown. */
  find(kid: string): Promise<LiveKey | undefined>;
  /** Reads the keys again now. */
  reload(): Promise<readonly LiveKey[]>;
  /** Stops listening to the manager. */
  close(): void;
}

const KID = /^[A-Za-z0-9_-]{1,128}$/;

/** Opens the live keys of `options.name`. */
export function openLiveKeys(options: KeyringOptions): LiveKeys {
  const { manager, name } = options;
  const refreshMs = options.refreshMs ?? 60_000;
  const backoffMs = options.unknownKidBackoffMs ?? 5_000;
  let snapshot: { keys: readonly LiveKey[]; at: number } | undefined;
  let loading: Promise<readonly LiveKey[]> | undefined;
  let lastForced = 0;

  const reload = (): Promise<readonly LiveKey[]> => {
    loading ??= load(manager, name).then(
      (keys) => {
        snapshot = { keys, at: Date.now() };
        loading = undefined;
        return keys;
      },
      (error: unknown) => {
        loading = undefined;
        throw error;
      },
    );
    return loading;
  };
  const all = async () => (snapshot !== undefined && Date.now() - snapshot.at < refreshMs ? snapshot.keys : reload());
  const onChange = (event: { name: string }) => {
    if (event.name === name) snapshot = undefined;
  };
  manager.on('change', onChange);

  return {
    all,
    reload,
    current: async () => (await all())[0] as LiveKey,
    async find(kid) {
      const known = (await all()).find((key) => key.kid === kid);
      if (known !== undefined || !KID.test(kid) || Date.now() - lastForced < backoffMs) return known;
      lastForced = Date.now();
      return (await reload()).find((key) => key.kid === kid);
    },
    close: () => manager.off('change', onChange),
  };
}

async function load(manager: SecretManager<SecretSchema>, name: string): Promise<readonly LiveKey[]> {
  let current;
  try {
    current = await manager.getVersion(name, { stage: 'current' });
  } catch (error) {
    // A provider without stages (env, dotenv, file) has one value: it is the current key.
    if (!isCofferError(error, 'COFFER_E_UNSUPPORTED')) throw error;
    const only = await manager.getVersion(name);
    return [{ kid: keyId(only.version, only.value), value: only.value, stage: 'current' }];
  }
  const keys: LiveKey[] = [{ kid: keyId(current.version, current.value), value: current.value, stage: 'current' }];
  try {
    const previous = await manager.getVersion(name, { stage: 'previous' });
    if (previous.version !== current.version) keys.push({ kid: keyId(previous.version, previous.value), value: previous.value, stage: 'previous' });
  } catch (error) {
    if (!isCofferError(error, 'COFFER_E_NOT_FOUND')) throw error;
  }
  return keys;
}

/**
 * The key id of a version: the version id where the provider has one and it is safe in a token header or a
 * ciphertext prefix; otherwise a fingerprint of the key (an HMAC keyed by the key itself, which
 * reveals nothing about it), so that a changed value still gets a new id.
 */
export function keyId(version: string | undefined, value: string): string {
  if (version !== undefined && KID.test(version)) return version;
  return `k${createHmac('sha256', value).update('coffer key id').digest('hex').slice(0, 16)}`;
}
