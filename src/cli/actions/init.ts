/**
 * `coffer init`: asks for the project name on a terminal (never with --yes or without a TTY),
 * writes the starter files, creates the store, and says where its master key is and what to do
 * next. With --passphrase the new store's key comes from a passphrase typed twice with echo off,
 * which needs a terminal.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { basename } from 'node:path';
import type { StarterProvider } from '../../config/starter.js';
import { CofferError } from '../../core/errors.js';
import { initProject, type InitStoreResult } from '../../project/init.js';
import { cliAccess } from '../context.js';
import { canPrompt, color, print, printJson } from '../output.js';
import { ask, askHidden } from '../prompt.js';

interface InitCliOptions {
  yes?: boolean;
  project?: string;
  force?: boolean;
  provider?: StarterProvider;
  passphrase?: boolean;
  json?: boolean;
}

/** Runs `coffer init`. */
export async function run(options: InitCliOptions): Promise<number> {
  const cwd = process.cwd();
  // The passphrase was asked for explicitly, so --yes does not stop the prompt; only a missing terminal does.
  if (options.passphrase === true && !canPrompt(undefined)) {
    throw new CofferError('COFFER_E_USAGE', '--passphrase asks for the passphrase on a terminal and none is attached; run init on a terminal, or set COFFER_MASTER_KEY (64 hex characters) instead.');
  }
  let project = options.project;
  if (project === undefined && canPrompt(options.yes) && options.json !== true) {
    project = await ask('Project name?', basename(cwd));
  }
  const { files, store } = await initProject({
    cwd,
    ...(project === undefined ? {} : { project }),
    force: options.force === true,
    provider: options.provider ?? 'store',
    ...(options.passphrase === true ? { newPassphrase: askNewPassphrase } : {}),
    access: cliAccess(options),
  });
  if (options.json) {
    printJson({ files, ...(store === undefined ? {} : { store }) });
    return 0;
  }
  for (const file of files) print(`${file.action.padEnd(8)} ${file.path}`);
  if (store !== undefined) print('', ...keyLines(store, files.find((f) => f.path === store.path)?.action === 'created'));
  print('', 'Next: `coffer generate development` to create the development secrets, then `coffer validate development`.');
  return 0;
}

/** Where the store's master key is, and, for a key file, the one line on keeping it safe. */
function keyLines(store: InitStoreResult, created: boolean): string[] {
  const what = created ? 'Store created' : 'Store kept';
  if (store.keySource === 'env') return [`${what}; its master key is COFFER_MASTER_KEY (no key file written). Keep that key safe: without it the store cannot be opened.`];
  if (store.keySource === 'passphrase') return [`${what}; its master key comes from your passphrase. Without the passphrase the store cannot be opened.`];
  return [
    `${what}. Master key file: ${color.bold(store.keyFile ?? '')}`,
    color.yellow('Back up this key file and keep it out of version control: without it the store cannot be opened.'),
  ];
}

/** Asks for a new passphrase twice with echo off; the two must match. */
async function askNewPassphrase(): Promise<string> {
  const first = await askHidden('New store passphrase: ');
  const second = await askHidden('Repeat the passphrase: ');
  // Compared as digests in constant time, like every secret comparison.
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  if (!timingSafeEqual(digest(first), digest(second))) throw new CofferError('COFFER_E_USAGE', 'The two passphrases differ; the store was not created. Run init again.');
  return first;
}
