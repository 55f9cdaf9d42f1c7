/**
 * `coffer set NAME`: reads the value from stdin when it is piped (one trailing newline removed),
 * else asks for it twice with echo off on a terminal; `--value` works too but warns, because a
 * command line is visible to other users and kept in shell history. Prints what was written,
 * never the value; policy warnings and an undeclared name are reported on stderr.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { CofferError } from '../../core/errors.js';
import { assertSecretName, wholeNumberOption } from '../../project/secrets.js';
import { setSecret } from '../../project/secret-set.js';
import { cliAccess, loadContext, type EnvCliOptions } from '../context.js';
import { canPrompt, color, print, printJson } from '../output.js';
import { askHidden } from '../prompt.js';

interface SetCliOptions extends EnvCliOptions {
  value?: string;
  expectVersion?: string;
  force?: boolean;
  json?: boolean;
}

/** Largest input read from stdin; the store's own limit per value is 64 KiB. */
const MAX_STDIN_BYTES = 1024 * 1024;

/** Runs `coffer set`. */
export async function run(options: SetCliOptions): Promise<number> {
  const name = options.args?.[0] ?? '';
  assertSecretName(name);
  const { config, environment } = loadContext(options, { positionalEnv: false });
  const value = await readValue(options, name);
  const result = await setSecret({
    config, environment, name, value,
    force: options.force === true,
    access: cliAccess(options),
    ...(options.expectVersion === undefined ? {} : { expectVersion: wholeNumberOption(options.expectVersion) }),
  });
  if (!result.declared) warn(`${config.file} does not declare ${name} for environment "${environment}"; it was stored without policy checks or a rotation date.`);
  for (const check of result.checks) warn(`${check.status === 'fail' ? 'stored despite --force: ' : ''}${name} ${check.check}: ${check.message}`);
  if (options.json) {
    printJson(result);
    return 0;
  }
  print(`${color.green('set')} ${name} in ${environment} (${result.version === undefined ? result.location : `version ${result.version}`})`);
  return 0;
}

async function readValue(options: SetCliOptions, name: string): Promise<string> {
  if (options.value !== undefined) {
    warn('--value puts the secret on the command line, where other users can read it (ps, /proc) and shell history keeps it; pipe it on stdin instead.');
    return options.value;
  }
  if (process.stdin.isTTY !== true) return stripOneNewline(await readStdin());
  if (!canPrompt(undefined)) throw new CofferError('COFFER_E_USAGE', `No value for ${name}: pipe it on stdin (printf '%s' "$VALUE" | coffer set ${name}) or run on a terminal to be asked.`);
  const first = await askHidden(`Value for ${name}: `);
  const second = await askHidden(`Again, to confirm: `);
  if (!sameText(first, second)) throw new CofferError('COFFER_E_USAGE', `The two entries for ${name} differ; nothing was written. Run the command again.`);
  return first;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    const bytes = chunk as Buffer;
    size += bytes.length;
    if (size > MAX_STDIN_BYTES) throw new CofferError('COFFER_E_USAGE', 'The value on stdin is larger than 1 MiB; a secret value is limited to 64 KiB.');
    chunks.push(bytes);
  }
  const all = Buffer.concat(chunks);
  const text = all.toString('utf8');
  all.fill(0);
  for (const c of chunks) c.fill(0);
  return text;
}

/** Removes one trailing line break (`\n` or `\r\n`), as `echo` and here-strings add one. */
function stripOneNewline(text: string): string {
  if (text.endsWith('\r\n')) return text.slice(0, -2);
  return text.endsWith('\n') ? text.slice(0, -1) : text;
}

/** Compares two secrets in constant time, through digests of equal length. */
function sameText(a: string, b: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(a), digest(b));
}

function warn(message: string): void {
  process.stderr.write(`coffer: ${color.yellow('warning', process.stderr)}: ${message}\n`);
}
