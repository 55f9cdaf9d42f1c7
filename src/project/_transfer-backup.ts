/**
 * The rollback backup of a transfer into a target without versions (kubernetes, Vault KV v1, a
 * dotenv file): such a target cannot give back a value once it is replaced, so before the first
 * write the values that the planned updates will replace are kept in
 * `.coffer/migrations/<ID>.backup`, a dotenv file created 0600 in the 0700 records directory,
 * atomically and exclusively (never over an existing file). It holds those values in clear, as
 * the target did, and nothing else; `coffer migrate --rollback` reads them back, and deletes the
 * file once the rollback is complete. Every value is formatted before anything is written, so a
 * value or name a dotenv file cannot hold unchanged refuses the transfer before its first write
 * rather than leaving an update that could not be undone.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { CofferError, isCofferError } from '../core/errors.js';
import { writeFileAtomic } from '../io/secure-file.js';
import { formatAssignment } from '../providers/_dotenv-quote.js';
import { openProvider } from '../providers/registry.js';
import type { Provider } from '../providers/types.js';
import { recordsDir } from './_transfer-record.js';

/** One value an update will replace. */
export interface ReplacedValue {
  readonly name: string;
  readonly value: string;
}

/**
 * The backup lines for `replaced` (at the endpoint labelled `target`); COFFER_E_UNSAFE_VALUE,
 * naming the secret and never its value, when one cannot be kept. A dry run calls it alone, so
 * it refuses what the real run would.
 */
export function formatValueBackup(target: string, replaced: readonly ReplacedValue[]): string[] {
  return replaced.map(({ name, value }) => {
    try {
      return formatAssignment(name, value);
    } catch (error) {
      if (!isCofferError(error, 'COFFER_E_UNSAFE_VALUE')) throw error;
      // The dotenv message starts with the name and ends with advice meant for a `set`; keep the reason.
      const reason = error.message.replace(`${name}: `, '').replace(/; (choose|use) [^;]*$/, '');
      throw new CofferError(
        'COFFER_E_UNSAFE_VALUE',
        `Nothing was written: ${target} keeps no earlier versions, so the values that updates replace are first kept in a dotenv backup for --rollback, and the current value of ${name} cannot be kept there (${reason}). Leave ${name} out (--only, --prefix) or change it at the target first.`,
        { details: { name } },
      );
    }
  });
}

/**
 * Writes the backup of transfer `id` holding `replaced` and returns its path; throws as
 * {@link formatValueBackup}, or COFFER_E_EXISTS/COFFER_E_FILE_WRITE when the file cannot be
 * created. Nothing is written then.
 */
export function writeValueBackup(root: string, id: string, target: string, replaced: readonly ReplacedValue[]): string {
  const lines = formatValueBackup(target, replaced);
  const path = join(recordsDir(root), `${id}.backup`);
  writeFileAtomic(path, `# Values replaced by coffer transfer ${id}, kept for \`coffer migrate --rollback\`; deleted once it is rolled back.\n${lines.join('\n')}\n`, { mkdirs: true, exclusive: true });
  return path;
}

/** Opens a backup (this format, or an older record's copy of a dotenv target) for reading. */
export function openValueBackup(path: string, root: string): Promise<Provider> {
  return openProvider('dotenv', { path }, { cwd: root });
}

/** Deletes a backup that is no longer needed; a missing file is fine. */
export function removeValueBackup(path: string): void {
  rmSync(path, { force: true });
}
