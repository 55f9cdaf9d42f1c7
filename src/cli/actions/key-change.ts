/**
 * `coffer key change`: re-seals an environment's store (the whole store file) under a new root
 * key: a new random key file, or a passphrase asked twice with echo off (never from the command
 * line, so it stays out of shell history and process lists). Prints where the new key is and,
 * prominently, where the old key file was kept: backups taken before the change still need it.
 *
 * While COFFER_MASTER_KEY is set the change is refused unless --yes: afterwards that variable no
 * longer opens the store, and since Coffer tries only it when it is set, every process that still
 * has it would fail. With --yes the change goes ahead and a warning says to remove it.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { CofferError } from '../../core/errors.js';
import { changeKey } from '../../project/keys.js';
import { cliAccess, loadContext, type EnvCliOptions } from '../context.js';
import { canPrompt, color, print, printJson } from '../output.js';
import { askHidden } from '../prompt.js';

interface KeyChangeCliOptions extends EnvCliOptions {
  to?: 'key-file' | 'passphrase';
  yes?: boolean;
  json?: boolean;
}

/** Runs `coffer key change`. */
export async function run(options: KeyChangeCliOptions): Promise<number> {
  const { config, environment } = loadContext(options, { positionalEnv: false });
  // A terminal is required for a new passphrase; refuse before anything is opened when it is asked for.
  if (options.to === 'passphrase') assertTerminal();
  const result = await changeKey({
    config, environment,
    // --yes here acknowledges COFFER_MASTER_KEY; the store's own passphrase is still asked on a terminal.
    access: cliAccess({ ...(options.json === undefined ? {} : { json: options.json }) }),
    ...(options.to === undefined ? {} : { to: options.to }),
    newPassphrase,
    overrideMasterKeyEnv: options.yes === true,
  });
  const warning = result.masterKeyEnvStale
    ? 'COFFER_MASTER_KEY no longer opens this store; remove it wherever it is set (while it is set, Coffer tries only it and fails with COFFER_E_BAD_MASTER_KEY).'
    : undefined;
  if (warning !== undefined) process.stderr.write(`${color.yellow('warning', process.stderr)}: ${warning}\n`);
  if (options.json) {
    printJson(result);
    return 0;
  }
  const now = result.keySource === 'passphrase' ? 'your new passphrase' : `the new key file ${result.keyFile ?? ''}`;
  print(`${color.green('changed')} the root key of ${result.store} (every environment in it): it now opens with ${now}.`);
  if (result.oldKeyFileBackup !== undefined) {
    print('', color.bold(`The old key file was kept at ${result.oldKeyFileBackup}`),
      'Backups taken before this change still need it: keep it with them, and delete it only when they expire.');
  } else if (result.previousKeySource !== result.keySource || result.previousKeySource === 'passphrase') {
    const old = result.previousKeySource === 'env' ? 'the old COFFER_MASTER_KEY' : 'the old passphrase';
    print('', color.bold(`Backups taken before this change still need ${old}; keep it with them.`));
  }
  if (result.keySource === 'key-file') print(`Back up ${result.keyFile ?? 'the new key file'} somewhere safe, apart from the store: without it the store cannot be read.`);
  return 0;
}

function assertTerminal(): void {
  if (!canPrompt(undefined)) {
    throw new CofferError('COFFER_E_USAGE', 'A new passphrase is asked on a terminal (twice, with echo off) and never read from the command line; run `coffer key change --to passphrase` on a terminal, or use --to key-file.');
  }
}

/** Asks for the new passphrase twice; a mismatch changes nothing. */
async function newPassphrase(): Promise<string> {
  assertTerminal();
  const first = await askHidden('New store passphrase (12 characters or more): ');
  const second = await askHidden('Repeat the new passphrase: ');
  // Compared as digests in constant time, like every secret comparison.
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  if (!timingSafeEqual(digest(first), digest(second))) {
    throw new CofferError('COFFER_E_USAGE', 'The two passphrases differ; nothing was changed. Run the command again.');
  }
  return first;
}
