/**
 * Finds, reads and validates the project config file.
 *
 * The file is `coffer.config.json`, `coffer.config.yaml` or `coffer.config.yml`, found in the
 * working directory or the nearest parent. Every problem becomes one CofferError whose message
 * names the file, the path inside it and what to fix; a misspelt key gets a "did you mean".
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import type { z } from 'zod/v3';
import { CofferError } from '../core/errors.js';

/** The YAML parser, loaded only for YAML configs and JSON errors: most runs never pay its start-up cost. */
const yaml = (): typeof import('yaml') => createRequire(import.meta.url)('yaml') as typeof import('yaml');
import { configSchema, KNOWN_KEYS, type ConfigFile } from './schema.js';
import { resolveConfig, type Config } from './resolve.js';

/** Config file names, in the order they are looked for. */
export const CONFIG_FILE_NAMES = ['coffer.config.json', 'coffer.config.yaml', 'coffer.config.yml'] as const;

/** Options of {@link loadConfig}. */
export interface LoadConfigOptions {
  /** Explicit config path; otherwise the file is searched from `cwd` upwards. */
  readonly path?: string;
  /** Where the search starts; default process.cwd(). */
  readonly cwd?: string;
}

/** Returns the path of the nearest config file, or undefined when there is none. */
export function findConfigFile(cwd: string): string | undefined {
  let dir = resolve(cwd);
  for (;;) {
    for (const name of CONFIG_FILE_NAMES) {
      const candidate = join(dir, name);
      if (existsSync(candidate)) return candidate;
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/**
 * Loads and validates the config file.
 *
 * @example
 * const config = loadConfig({ cwd: process.cwd() });
 * config.environments.production?.profile; // 'production'
 */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  const cwd = options.cwd ?? process.cwd();
  const file = options.path === undefined ? findConfigFile(cwd) : resolve(cwd, options.path);
  if (file === undefined) {
    throw new CofferError('COFFER_E_CONFIG_NOT_FOUND', `No coffer.config.json found in ${resolve(cwd)} or its parents; run \`coffer init\` to create one.`);
  }
  return parseConfig(readConfigText(file), file);
}

/** Validates config text that was read from `file` (the name is used in messages and to pick JSON or YAML). */
export function parseConfig(text: string, file: string): Config {
  const raw = file.endsWith('.json') ? parseJson(text, file) : parseYamlText(text, file);
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0] as z.ZodIssue;
    throw new CofferError('COFFER_E_CONFIG_INVALID', `${file}: ${describeIssue(issue)}`, {
      details: { file, path: issue.path.map(String).join('.') },
    });
  }
  return resolveConfig(result.data as ConfigFile, file);
}

function readConfigText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const hint = code === 'ENOENT' ? 'check the path' : code === 'EACCES' ? 'check its permissions' : 'check that it is a readable file';
    throw new CofferError('COFFER_E_FILE_UNREADABLE', `Cannot read config ${file} (${code ?? 'error'}); ${hint}.`, { cause: error });
  }
}

function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    // Only the position is reported: V8's message can quote file content, which may be a credential.
    const where = jsonErrorPosition(text, (error as Error).message);
    throw new CofferError('COFFER_E_CONFIG_PARSE', `${file}${where}: not valid JSON; fix the syntax there (a missing comma or quote is the usual cause).`, { cause: error });
  }
}

function parseYamlText(text: string, file: string): unknown {
  try {
    return yaml().parse(text, { prettyErrors: false });
  } catch (error) {
    // The parser's code names the problem without quoting the file's content.
    const { YAMLParseError } = yaml();
    const pos = error instanceof YAMLParseError ? error.linePos?.[0] : undefined;
    const where = pos ? `:${pos.line}:${pos.col}` : '';
    const what = error instanceof YAMLParseError ? ` (${error.code})` : '';
    throw new CofferError('COFFER_E_CONFIG_PARSE', `${file}${where}: not valid YAML${what}; fix the syntax there.`, { cause: error });
  }
}

/**
 * `:line:col` of a JSON syntax error: from the offset in V8's message when it gives one, else from
 * the YAML parser (JSON is a subset of YAML 1.2), else nothing.
 */
function jsonErrorPosition(text: string, message: string): string {
  const offset = /position (\d+)/.exec(message);
  if (offset) {
    const before = text.slice(0, Number(offset[1]));
    return `:${before.split('\n').length}:${Number(offset[1]) - before.lastIndexOf('\n')}`;
  }
  const pos = yaml().parseDocument(text, { prettyErrors: false }).errors[0]?.linePos?.[0];
  return pos ? `:${pos.line}:${pos.col}` : '';
}

function describeIssue(issue: z.ZodIssue): string {
  const path = issue.path.map(String);
  const at = path.length === 0 ? 'top level' : path.join('.');
  if (issue.code === 'unrecognized_keys') {
    const known = knownKeysAt(path);
    const key = issue.keys[0] ?? '';
    const suggestion = closest(key, known);
    const hint = suggestion ? `did you mean "${suggestion}"?` : `allowed keys: ${known.join(', ')}`;
    return `unknown key "${key}" at ${at}; ${hint}`;
  }
  if (issue.code === 'invalid_enum_value') {
    return `${at}: must be one of ${issue.options.map((v) => JSON.stringify(v)).join(', ')}`;
  }
  if (issue.code === 'invalid_type' && issue.received === 'undefined') {
    return `${at}: required field is missing; add it (see docs/config.md)`;
  }
  return `${at}: ${issue.message.replace(/^Invalid input: /, '')}; see docs/config.md`;
}

function knownKeysAt(path: readonly string[]): readonly string[] {
  if (path.length === 0) return KNOWN_KEYS.root;
  if (path[0] === 'environments' && path.length === 2) return KNOWN_KEYS.environment;
  if (path[0] === 'secrets' && path.length === 2) return KNOWN_KEYS.secret;
  if (path[0] === 'secrets' && path[2] === 'generator') return KNOWN_KEYS.generator;
  if (path[0] === 'secrets' && path[2] === 'rotation' && path.length === 3) return KNOWN_KEYS.rotation;
  return [];
}

/** The known key closest to `key` within an edit distance of 2, if any. */
function closest(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    const d = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
    }
    prev = row;
  }
  return prev[b.length] as number;
}
