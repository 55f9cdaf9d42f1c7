/**
 * `coffer diff A B`: shows drift between two environments, providers or files: names missing on
 * either side and values that differ, as fingerprints valid for this run only. Exits 1 when
 * there is drift, so CI can fail on it.
 */
import { CofferError } from '../../core/errors.js';
import { diffEndpoints } from '../../project/diff.js';
import { cliAccess, optionalConfig } from '../context.js';
import { color, print, printJson } from '../output.js';

interface DiffCliOptions {
  config?: string;
  args?: string[];
  only?: string[];
  prefix?: string;
  json?: boolean;
  yes?: boolean;
}

/** Runs `coffer diff`. */
export async function run(options: DiffCliOptions): Promise<number> {
  const [a, b] = options.args ?? [];
  if (a === undefined || b === undefined) throw new CofferError('COFFER_E_USAGE', 'Give two sides: coffer diff A B (environments, providers, .env files, or env).');
  const cwd = process.cwd();
  const config = optionalConfig(cwd, options.config);
  const result = await diffEndpoints({ a, b, cwd, access: cliAccess(options), ...(config ? { config } : {}), ...(options.only ? { names: options.only } : {}), ...(options.prefix ? { prefix: options.prefix } : {}) });
  if (options.json) {
    printJson(result);
    return result.drift ? 1 : 0;
  }
  const width = Math.max(6, ...result.entries.map((e) => e.name.length));
  print(`A = ${result.a}`, `B = ${result.b}`, '');
  for (const e of result.entries) {
    if (e.state === 'same') continue;
    const what = e.state === 'only-a' ? color.yellow('only in A') : e.state === 'only-b' ? color.yellow('only in B') : color.red('differs  ');
    print(`${e.name.padEnd(width)}  ${what}  ${e.a ?? '-'.padEnd(16)}  ${e.b ?? '-'}`);
  }
  const count = (state: string) => result.entries.filter((e) => e.state === state).length;
  print(`${result.drift ? '' : 'No drift. '}${count('same')} same, ${count('differ')} differ, ${count('only-a')} only in A, ${count('only-b')} only in B.`);
  if (count('differ') > 0) print(color.dim('Fingerprints are keyed for this run only: equal ones mean equal values; they reveal nothing about a value.'));
  return result.drift ? 1 : 0;
}
