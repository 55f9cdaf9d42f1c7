/**
 * `coffer audit verify`: checks the hash chain of the audit log of the whole store file (every
 * environment in it). Exit 0 when intact; exit 1 naming the first edited, removed or reordered
 * entry, with what to do about it.
 */
import { verifyAuditChain } from '../../project/audit.js';
import { cliAccess, loadContext, type EnvCliOptions } from '../context.js';
import { color, print, printJson } from '../output.js';

interface AuditVerifyCliOptions extends EnvCliOptions {
  json?: boolean;
}

/** Runs `coffer audit verify`. */
export async function run(options: AuditVerifyCliOptions): Promise<number> {
  const { config, environment } = loadContext(options, { positionalEnv: false });
  const verdict = await verifyAuditChain({ config, environment, access: cliAccess(options) });
  if (options.json) {
    printJson(verdict);
    return verdict.ok ? 0 : 1;
  }
  if (verdict.ok) {
    print(`${color.green('audit chain intact')}: ${verdict.entries} entr${verdict.entries === 1 ? 'y' : 'ies'} (${verdict.store})`);
    return 0;
  }
  const how = verdict.reason === 'edited' ? 'edited' : 'removed or reordered';
  print(
    `${color.red('audit chain broken')} at entry #${verdict.firstBadSeq} (${how}); entries before it are intact (${verdict.store}).`,
    'Someone with access to the store file changed its audit log. Keep a copy of the file as it is for investigation,',
    'find out who could write it, and restore the store from a backup taken before the change (`coffer restore-backup`).',
  );
  return 1;
}
