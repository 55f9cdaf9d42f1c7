/**
 * `coffer init`: writes the starter config, the annotated `.env.example` and the .gitignore
 * entries that keep every secret-holding file out of version control.
 *
 * Nothing is overwritten without `force`: an existing config is an error (COFFER_E_EXISTS), an
 * existing .env.example is kept, and .gitignore only gains the lines it lacks.
 */
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseConfig } from '../config/load.js';
import { envExample, starterConfig } from '../config/starter.js';
import { CofferError, isCofferError } from '../core/errors.js';
import { fileMode, writeFileAtomic } from '../io/secure-file.js';

/** Lines `coffer init` makes sure .gitignore has: every file that may hold a secret value. */
export const GITIGNORE_ENTRIES = ['.env', '.env.*', '!.env.example', '.coffer/', '*.key', '*.bak-*', '*.coffer-tmp-*'] as const;

/** Options of {@link initProject}. */
export interface InitOptions {
  /** The project directory. */
  readonly cwd: string;
  /** Project name written to the config; default the directory name. */
  readonly project?: string;
  /** Replace an existing config and .env.example (the old ones are backed up). */
  readonly force?: boolean;
}

/** What happened to one file. */
export interface InitFileResult {
  readonly path: string;
  readonly action: 'created' | 'replaced' | 'updated' | 'kept';
}

/** Creates the starter files; returns what was done to each. */
export function initProject(options: InitOptions): InitFileResult[] {
  const { cwd, force = false } = options;
  const project = options.project ?? (basename(cwd).replace(/[^A-Za-z0-9._-]/g, '-') || 'app');
  const configPath = join(cwd, 'coffer.config.json');
  const configText = `${JSON.stringify(starterConfig(project), null, 2)}\n`;
  // Resolve the starter once, so the example is derived from exactly what the config says.
  const config = parseConfig(configText, configPath);
  const results: InitFileResult[] = [];

  const configExisted = fileMode(configPath) !== undefined;
  try {
    // exclusive: a config that appears between the check and the write is never clobbered.
    writeFileAtomic(configPath, configText, { mode: 0o644, backup: true, exclusive: !force });
  } catch (error) {
    if (!isCofferError(error, 'COFFER_E_EXISTS')) throw error;
    throw new CofferError('COFFER_E_EXISTS', `${configPath} already exists and was left untouched; use --force to replace it (the old file is backed up).`, { cause: error });
  }
  results.push({ path: configPath, action: configExisted ? 'replaced' : 'created' });

  const examplePath = join(cwd, '.env.example');
  const exampleExisted = fileMode(examplePath) !== undefined;
  if (exampleExisted && !force) {
    results.push({ path: examplePath, action: 'kept' });
  } else {
    writeFileAtomic(examplePath, envExample(config), { mode: 0o644, backup: true });
    results.push({ path: examplePath, action: exampleExisted ? 'replaced' : 'created' });
  }

  results.push(ensureGitignore(join(cwd, '.gitignore')));
  return results;
}

function ensureGitignore(path: string): InitFileResult {
  const mode = fileMode(path);
  const current = mode === undefined ? '' : readFileSync(path, 'utf8');
  const present = new Set(current.split(/\r?\n/).map((l) => l.trim()));
  const missing = GITIGNORE_ENTRIES.filter((entry) => !present.has(entry));
  if (missing.length === 0) return { path, action: 'kept' };
  const prefix = current === '' || current.endsWith('\n') ? current : `${current}\n`;
  const block = `${prefix === '' ? '' : '\n'}# Secrets managed by Coffer: never commit these.\n${missing.join('\n')}\n`;
  writeFileAtomic(path, prefix + block, { mode: mode ?? 0o644 });
  return { path, action: mode === undefined ? 'created' : 'updated' };
}
