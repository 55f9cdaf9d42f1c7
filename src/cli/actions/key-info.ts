/**
 * `coffer key info`: where an environment's store is, its id, what opened it (COFFER_MASTER_KEY,
 * the key file or a passphrase), the key file with its mode, and old key files kept by earlier
 * key changes. Never the key itself.
 */
import { keyInfo } from '../../project/keys.js';
import { cliAccess, loadContext, type EnvCliOptions } from '../context.js';
import { color, print, printJson } from '../output.js';

interface KeyInfoCliOptions extends EnvCliOptions {
  json?: boolean;
}

const SOURCES = { env: 'COFFER_MASTER_KEY', 'key-file': 'key file', passphrase: 'passphrase' } as const;

/** Runs `coffer key info`. */
export async function run(options: KeyInfoCliOptions): Promise<number> {
  const { config, environment } = loadContext(options, { positionalEnv: false });
  const info = await keyInfo({ config, environment, access: cliAccess(options) });
  if (options.json) {
    printJson(info);
    return 0;
  }
  const modeNote = info.keyFileMode !== null && info.keyFileMode !== '0600' && info.keyFileMode !== '0400' ? color.yellow(' (should be 0600)') : '';
  print(
    `store:     ${info.store}`,
    `store id:  ${info.storeId}`,
    `opened by: ${SOURCES[info.keySource]}`,
    `key file:  ${info.keyFile} ${info.keyFileExists ? `(mode ${info.keyFileMode ?? '?'})${modeNote}` : '(does not exist)'}`,
  );
  for (const old of info.oldKeyFiles) print(`old key:   ${old} (kept for backups taken before a key change)`);
  if (info.masterKeyEnv && info.keySource === 'env' && info.keyFileExists) print(color.dim('COFFER_MASTER_KEY is set, so the key file is not used while it is.'));
  return 0;
}
