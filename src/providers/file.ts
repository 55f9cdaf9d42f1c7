/**
 * The `file` provider: secrets mounted as files, the way Docker and Kubernetes deliver them.
 *
 * Two conventions are read. A directory holds one file per secret whose file name is the
 * secret's name (Docker's /run/secrets, a Kubernetes secret volume); and a `NAME_FILE`
 * environment variable names the file holding NAME (the convention of the official Docker
 * images), which wins over the directory. Symlinks are followed, since Kubernetes mounts every
 * key as `NAME -> ..data/NAME`, but a secret name can never be a path: only names matching
 * SECRET_NAME are looked up, so `../` cannot escape the directory. A file is read whole, up to
 * 64 KiB, as UTF-8, losing one trailing newline. Reads are refused, never reported as missing,
 * when permission is denied. Writes are off unless `write` is set (a mount is read-only).
 */
import { unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { z } from 'zod/v3';
import { CofferError } from '../core/errors.js';
import { SECRET_NAME } from '../core/names.js';
import { writeFileAtomic } from '../io/secure-file.js';
import type { GetOptions, ProviderFactory, SecretListing, SecretRecord, SecretWrite } from './types.js';
import { codeOf, exists, fileError, listDir, MAX_SECRET_FILE_BYTES, mtimeOf, previousContent, readSecretFile, restore } from './_secret-files.js';

/** Validates `FileOptions` as written in a config file. */
export const optionsSchema = z.object({
  dir: z.string().min(1).optional(),
  env: z.boolean().optional(),
  lowercase: z.boolean().optional(),
  trimNewline: z.boolean().optional(),
  write: z.boolean().optional(),
}).strict();

/** Options of the `file` provider. */
export interface FileOptions {
  /**
   * Directory holding one file per secret, named after the secret (`/run/secrets/DB_PASSWORD`),
   * resolved against the project root. Default `/run/secrets`, where Docker mounts secrets.
   */
  readonly dir?: string;
  /**
   * Honour the `NAME_FILE` convention: when the variable `NAME_FILE` is set, NAME is read from the
   * file it names (resolved against the project root) instead of the directory. Default true.
   */
  readonly env?: boolean;
  /**
   * Also look for the lower-case file name (`db_password` for `DB_PASSWORD`), as Docker secrets
   * are usually named. Default true.
   */
  readonly lowercase?: boolean;
  /**
   * Strip one trailing newline (`\n` or `\r\n`), which `echo` and editors add to a file; a value
   * ending in a newline then cannot be written. Default true.
   */
  readonly trimNewline?: boolean;
  /**
   * Allow `set`, `setMany` and `delete`, which write files 0600 atomically (the directory is
   * created 0700 when missing). Default false: mounted secrets are read-only.
   */
  readonly write?: boolean;
}

/** The largest secret file read or written: 64 KiB. */
export { MAX_SECRET_FILE_BYTES };

/**
 * `*_FILE` variables that tools set for their own files (cloud credentials, CA bundles, compose
 * files). `list` does not report them as secrets and provider detection does not take them as a
 * sign of mounted secrets; `get` still honours them when asked for that name.
 */
export const AMBIENT_FILE_VARIABLES: ReadonlySet<string> = new Set([
  'AWS_CONFIG_FILE', 'AWS_SHARED_CREDENTIALS_FILE', 'AWS_WEB_IDENTITY_TOKEN_FILE', 'AZURE_FEDERATED_TOKEN_FILE',
  'SSL_CERT_FILE', 'COMPOSE_FILE', 'TF_CLI_CONFIG_FILE', 'CI_SERVER_TLS_CA_FILE', 'CI_SERVER_TLS_CERT_FILE', 'CI_SERVER_TLS_KEY_FILE',
]);

/** The secret names given by `NAME_FILE` variables in `env`, ambient tool variables excluded. */
export function fileVariableNames(env: Readonly<Record<string, string | undefined>>): string[] {
  return Object.keys(env)
    .filter((key) => key.endsWith('_FILE') && !AMBIENT_FILE_VARIABLES.has(key) && (env[key] ?? '') !== '')
    .map((key) => key.slice(0, -'_FILE'.length))
    .filter((name) => SECRET_NAME.test(name));
}

/**
 * Creates a provider over mounted secret files.
 *
 * @example
 * // docker compose: secrets: [db_password] mounts /run/secrets/db_password
 * const provider = createFileProvider({}, { env: process.env });
 * const { value } = await provider.get('DB_PASSWORD'); // DB_PASSWORD_FILE, else /run/secrets/DB_PASSWORD or db_password
 */
export const createFileProvider: ProviderFactory<FileOptions> = (options = {}, context = {}) => {
  const cwd = context.cwd ?? process.cwd();
  const vars = context.env ?? process.env;
  const dir = resolve(cwd, options.dir ?? '/run/secrets');
  const useEnv = options.env ?? true;
  const trim = options.trimNewline ?? true;
  const writable = options.write ?? false;
  const variableOf = (name: string): string | undefined => (useEnv && vars[`${name}_FILE`] ? resolve(cwd, vars[`${name}_FILE`] as string) : undefined);
  const dirPaths = (name: string): string[] => {
    const lower = name.toLowerCase();
    return (options.lowercase ?? true) && lower !== name ? [join(dir, name), join(dir, lower)] : [join(dir, name)];
  };
  /** The file a write of `name` replaces: the one get reads, else `dir/name`. */
  const target = async (name: string): Promise<string> => {
    const variable = variableOf(name);
    if (variable !== undefined) return variable;
    for (const path of dirPaths(name)) if (await exists(path)) return path;
    return join(dir, name);
  };
  const refuseWrite = (name?: string) => {
    if (!writable) {
      throw new CofferError('COFFER_E_UNSUPPORTED', `The file provider (${dir}) is read-only${name ? `, so ${name} cannot be changed` : ''}; mount the file instead, or set the option "write": true to let Coffer write there.`);
    }
  };

  return {
    id: 'file',
    location: useEnv ? `${dir} and NAME_FILE variables` : dir,
    capabilities: { write: writable, list: true, versions: false, stages: false, metadata: false, persistent: true },
    async get(name: string, getOptions: GetOptions = {}): Promise<SecretRecord> {
      if (getOptions.version !== undefined || getOptions.stage !== undefined) {
        throw new CofferError('COFFER_E_UNSUPPORTED', `The file provider (${dir}) keeps one value per file, without versions or stages; read the current value instead.`);
      }
      checkName(name);
      const variable = variableOf(name);
      if (variable !== undefined) {
        const read = await readSecretFile(variable, name, trim);
        if (read === undefined) {
          throw new CofferError('COFFER_E_FILE_UNREADABLE', `${name}_FILE is set to ${variable}, which does not exist; mount the file there or unset ${name}_FILE.`, {
            details: { name, file: variable, reason: 'ENOENT' },
          });
        }
        return { name, ...read };
      }
      for (const path of dirPaths(name)) {
        const read = await readSecretFile(path, name, trim);
        if (read !== undefined) return { name, ...read };
      }
      const also = useEnv ? ` and no ${name}_FILE variable is set` : '';
      throw new CofferError('COFFER_E_NOT_FOUND', `Secret ${name} is not set: no file ${dirPaths(name).join(' or ')}${also}. Mount it there, or choose another provider.`, {
        details: { name, dir },
      });
    },
    async list(): Promise<SecretListing[]> {
      const found = new Map<string, SecretListing>();
      for (const name of await listDir(dir)) found.set(name, { name, metadata: await mtimeOf(join(dir, name)) });
      // NAME_FILE wins over the directory, as in get.
      if (useEnv) for (const name of fileVariableNames(vars)) found.set(name, { name, metadata: await mtimeOf(variableOf(name) as string) });
      return [...found.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    },
    async set(name: string, value: string): Promise<void> {
      refuseWrite(name);
      checkWrite(name, value, trim);
      writeFileAtomic(await target(name), value, { mode: 0o600, mkdirs: true });
    },
    async setMany(writes: readonly SecretWrite[]): Promise<void> {
      refuseWrite();
      for (const write of writes) checkWrite(write.name, write.value, trim);
      // All or nothing: remember what each file held, and put it back if a later write fails.
      const planned = await Promise.all(writes.map(async (write) => {
        const path = await target(write.name);
        return { path, value: write.value, before: await previousContent(path, write.name) };
      }));
      const done: typeof planned = [];
      try {
        for (const write of planned) {
          writeFileAtomic(write.path, write.value, { mode: 0o600, mkdirs: true });
          done.push(write);
        }
      } catch (error) {
        for (const write of done.reverse()) restore(write.path, write.before);
        throw error;
      }
    },
    async delete(name: string): Promise<void> {
      refuseWrite(name);
      checkName(name);
      if (variableOf(name) !== undefined) {
        throw new CofferError('COFFER_E_UNSUPPORTED', `${name} is read from the file named by ${name}_FILE, which the environment sets; unset ${name}_FILE instead.`, { details: { name } });
      }
      for (const path of dirPaths(name)) {
        try {
          await unlink(path);
          return;
        } catch (error) {
          if (codeOf(error) !== 'ENOENT') throw fileError(error, path, name);
        }
      }
      throw new CofferError('COFFER_E_NOT_FOUND', `Secret ${name} is not set: no file ${dirPaths(name).join(' or ')}.`, { details: { name, dir } });
    },
    async close(): Promise<void> {},
  };
};

export default createFileProvider;

/** A name is a file name in the directory only when it is a secret name: no `/`, `..` or dot-file. */
function checkName(name: string): void {
  if (!SECRET_NAME.test(name)) {
    throw new CofferError('COFFER_E_USAGE', `${JSON.stringify(name.slice(0, 80))} is not a secret name (letters, digits and _, not starting with a digit), so the file provider will not read it as a file name.`, { details: { name } });
  }
}

function checkWrite(name: string, value: string, trim: boolean): void {
  checkName(name);
  if (trim && value.endsWith('\n')) {
    throw new CofferError('COFFER_E_UNSAFE_VALUE', `${name}: the value ends with a newline, which is stripped when the file is read (option trimNewline); remove it, or set "trimNewline": false.`, { details: { name } });
  }
  if (Buffer.byteLength(value, 'utf8') > MAX_SECRET_FILE_BYTES) {
    throw new CofferError('COFFER_E_UNSAFE_VALUE', `${name}: the value is larger than 64 KiB, the most the file provider reads back; store it elsewhere.`, { details: { name } });
  }
}
