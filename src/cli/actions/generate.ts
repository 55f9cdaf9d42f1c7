/**
 * `coffer generate [env]`: generates the environment's secrets and reports, per secret, whether
 * it was generated, supplied, kept or skipped. External secrets are prompted for (echo off) on a
 * terminal and read from the environment otherwise. No value is ever printed.
 */
import { generateSecrets } from '../../project/generate.js';
import type { ResolvedSecret } from '../../config/index.js';
import { cliAccess, loadContext, type EnvCliOptions } from '../context.js';
import { canPrompt, color, print, printJson } from '../output.js';
import { askHidden } from '../prompt.js';

interface GenerateCliOptions extends EnvCliOptions {
  only?: string[];
  force?: boolean;
  yes?: boolean;
  json?: boolean;
}

/** Runs `coffer generate`. */
export async function run(options: GenerateCliOptions): Promise<number> {
  const { config, environment } = loadContext(options);
  const interactive = canPrompt(options.yes) && options.json !== true;
  const supply = async (secret: ResolvedSecret): Promise<string | undefined> => {
    const fromEnv = process.env[secret.name];
    if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
    if (!interactive) return undefined;
    const about = secret.description ? ` (${secret.description})` : '';
    return askHidden(`Value for ${secret.name}${about}: `);
  };
  const result = await generateSecrets({
    config,
    environment,
    force: options.force === true,
    supply,
    access: cliAccess(options),
    ...(options.only === undefined ? {} : { only: options.only }),
  });
  if (options.json) {
    printJson(result);
    return 0;
  }
  for (const s of result.secrets) {
    const mark = s.action === 'generated' || s.action === 'supplied' ? color.green(s.action.padEnd(9)) : color.dim(s.action.padEnd(9));
    const due = s.rotateBy ? `rotate by ${s.rotateBy.slice(0, 10)}` : (s.reason ?? '');
    print(`${mark} ${s.name.padEnd(28)} ${s.category.padEnd(10)} ${due}`);
  }
  const count = (action: string) => result.secrets.filter((s) => s.action === action).length;
  print('', `${environment}: ${count('generated')} generated, ${count('supplied')} supplied, ${count('kept')} kept, ${count('skipped')} skipped -> ${result.location}`);
  return 0;
}
