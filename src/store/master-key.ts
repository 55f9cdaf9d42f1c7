/**
 * Where the store's root (master) key comes from, in order:
 *
 * 1. `COFFER_MASTER_KEY`: 32 bytes as 64 hex characters or base64 (CI, containers);
 * 2. a key file, by default `$XDG_CONFIG_HOME/coffer/keys/<store-id>.key` (else
 *    `~/.config/...`), kept outside the project so the store file and its key never travel
 *    together; refused when group or others can read it;
 * 3. a passphrase, stretched with scrypt (N=2^17, r=8, p=1: about 128 MiB and a fraction of a
 *    second per unlock, which is what makes guessing costly) and the store's random salt.
 */
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { scrypt } from 'node:crypto';
import { CofferError } from '../core/errors.js';
import { writeFileAtomic } from '../io/secure-file.js';
import { KEY_BYTES, newKey } from './barrier.js';

/** scrypt parameters for passphrase-derived root keys. */
export const SCRYPT_PARAMS = { N: 2 ** 17, r: 8, p: 1, maxmem: 256 * 1024 * 1024 } as const;

/** Where a root key was found. */
export type RootKeySource = 'env' | 'key-file' | 'passphrase';

/** Options of {@link resolveRootKey}. */
export interface RootKeyOptions {
  /** The store's id: names its default key file. */
  readonly storeId: string;
  /** The store's passphrase salt (base64), used when the key comes from a passphrase. */
  readonly salt: string;
  /** Environment to read COFFER_MASTER_KEY and XDG_CONFIG_HOME from; default process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Explicit key file; default {@link defaultKeyFile}. */
  readonly keyFile?: string;
  /** Asks for the passphrase (the CLI prompts on a terminal); undefined when none can be had. */
  readonly passphrase?: () => Promise<string | undefined>;
}

/** The default key file of a store. */
export function defaultKeyFile(storeId: string, env: Readonly<Record<string, string | undefined>> = process.env): string {
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return join(base, 'coffer', 'keys', `${storeId}.key`);
}

/** Finds the root key; throws COFFER_E_BAD_MASTER_KEY when none is available or one is malformed. */
export async function resolveRootKey(options: RootKeyOptions): Promise<{ key: Buffer; source: RootKeySource }> {
  const env = options.env ?? process.env;
  const fromEnv = env.COFFER_MASTER_KEY;
  if (fromEnv !== undefined && fromEnv !== '') return { key: decodeKey(fromEnv, 'COFFER_MASTER_KEY'), source: 'env' };
  const file = options.keyFile ?? defaultKeyFile(options.storeId, env);
  if (existsSync(file)) return { key: readKeyFile(file), source: 'key-file' };
  const passphrase = await options.passphrase?.();
  if (passphrase !== undefined && passphrase !== '') return { key: await deriveFromPassphrase(passphrase, options.salt), source: 'passphrase' };
  throw new CofferError('COFFER_E_BAD_MASTER_KEY', `No master key for this store: set COFFER_MASTER_KEY, put the key file at ${file}, or run on a terminal to enter the passphrase.`);
}

/**
 * The key file a root-key change writes before the store is re-sealed. Until the change
 * commits, the store still opens with the old key file; after, with this one, which the next
 * open promotes to the key file. A crash at any point leaves a store that opens.
 */
export function pendingKeyFile(keyFile: string): string {
  return `${keyFile}.new`;
}

/** Makes the pending key file the key file, keeping the old one as a 0600 backup. */
export function promotePendingKeyFile(keyFile: string): { backupPath?: string } {
  const pending = pendingKeyFile(keyFile);
  const result = writeFileAtomic(keyFile, readFileSync(pending), { mode: 0o600, backup: true, mkdirs: true });
  rmSync(pending, { force: true });
  return result;
}

/**
 * Finds the root key that opens a store: tries each available source in order with `tryKey`
 * (which throws COFFER_E_BAD_MASTER_KEY for a key that does not open it) and returns what the
 * first working key gives. COFFER_MASTER_KEY, when set, is the only source tried: an explicit
 * key that fails is an error, not a reason to look elsewhere.
 */
export async function unlockRootKey<T>(options: RootKeyOptions, tryKey: (key: Buffer, source: RootKeySource) => T): Promise<T> {
  const env = options.env ?? process.env;
  const fromEnv = env.COFFER_MASTER_KEY;
  if (fromEnv !== undefined && fromEnv !== '') return tryKey(decodeKey(fromEnv, 'COFFER_MASTER_KEY'), 'env');
  const file = options.keyFile ?? defaultKeyFile(options.storeId, env);
  let failure: unknown;
  for (const candidate of [pendingKeyFile(file), file]) {
    if (!existsSync(candidate)) continue;
    try {
      const result = tryKey(readKeyFile(candidate), 'key-file');
      if (candidate !== file) promotePendingKeyFile(file);
      return result;
    } catch (error) {
      if (!(error instanceof CofferError && error.code === 'COFFER_E_BAD_MASTER_KEY')) throw error;
      failure ??= error;
    }
  }
  const passphrase = await options.passphrase?.();
  if (passphrase !== undefined && passphrase !== '') return tryKey(await deriveFromPassphrase(passphrase, options.salt), 'passphrase');
  if (failure !== undefined) throw failure;
  throw new CofferError('COFFER_E_BAD_MASTER_KEY', `No master key for this store: set COFFER_MASTER_KEY, put the key file at ${file}, or run on a terminal to enter the passphrase.`);
}

/** Creates a random root key in a new 0600 key file (directories 0700); refuses to overwrite one. */
export function createKeyFile(path: string): Buffer {
  const key = newKey();
  writeFileAtomic(path, `${key.toString('hex')}\n`, { mode: 0o600, exclusive: true, mkdirs: true });
  return key;
}

/** Reads a key file, refusing one that group or others may read. */
export function readKeyFile(path: string): Buffer {
  const mode = statSync(path).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new CofferError('COFFER_E_BAD_MASTER_KEY', `Key file ${path} has mode 0${mode.toString(8)}, readable by others; run \`chmod 600 ${path}\` and consider the key exposed.`);
  }
  return decodeKey(readFileSync(path, 'utf8').trim(), `key file ${path}`);
}

/** Stretches a passphrase into a root key with scrypt. */
export function deriveFromPassphrase(passphrase: string, salt: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(passphrase.normalize('NFC'), Buffer.from(salt, 'base64'), KEY_BYTES, SCRYPT_PARAMS, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

/** Decodes 64 hex characters or base64 of 32 bytes; `where` names the source in the error. */
export function decodeKey(text: string, where: string): Buffer {
  const trimmed = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(trimmed) ? Buffer.from(trimmed, 'hex') : /^[A-Za-z0-9+/_-]{43}=?$/.test(trimmed) ? Buffer.from(trimmed, 'base64') : undefined;
  if (key === undefined || key.length !== KEY_BYTES) {
    throw new CofferError('COFFER_E_BAD_MASTER_KEY', `${where} is not a 32-byte key; give 64 hex characters or 44 base64 characters (e.g. from \`openssl rand -hex 32\`).`);
  }
  return key;
}
