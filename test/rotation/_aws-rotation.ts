/**
 * A project whose production environment lives in the fake AWS Secrets Manager, for the rotation
 * tests: a config in a temp dir, providers talking to the fake through the real SDK, and the
 * engine that `coffer rotate` builds (createEngine: real rotators opened from the config), with a
 * clock the test moves and a hook called as each step starts, where the test looks at the
 * fake's staging labels in the middle of a rotation. A stand-in external service is a file of
 * accepted keys kept by the api-key rotator's register and withdraw hooks (real child processes).
 */
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig, type Config, type ResolvedSecret } from '../../src/config/resolve.js';
import type { ConfigFile } from '../../src/config/schema.js';
import type { AwsSecretsManagerOptions } from '../../src/providers/aws-secrets-manager.js';
import type { Provider } from '../../src/providers/types.js';
import type { RotationEngine } from '../../src/rotation/engine.js';
import { createEngine } from '../../src/rotation/rotate.js';
import { withFakeAws } from '../providers/_aws-harness.js';
import type { FakeAws } from '../providers/_fake-aws-secrets-manager.js';
import type { FakeVersion } from '../providers/_fake-aws-state.js';

/** The prefix of the test environment: DB_PASSWORD is the AWS secret `app/test/DB_PASSWORD`. */
export const PREFIX = 'app/test/';

/** What a test body gets. */
export interface AwsRotationProject {
  readonly fake: FakeAws;
  readonly dir: string;
  readonly config: Config;
  /** The provider the engine uses. */
  readonly provider: Provider;
  readonly engine: RotationEngine;
  /** Called with (secret, step) as each engine step starts; set by the test. */
  onStep?: (name: string, step: string) => void;
  /** The declared secret `name`. */
  secret(name: string): ResolvedSecret;
  /** A new provider and engine over the same fake and project, as the next `coffer rotate` would open. */
  reopen(options?: AwsSecretsManagerOptions): { provider: Provider; engine: RotationEngine };
  /** Moves the engine's clock forward. */
  advance(ms: number): void;
  /** Every version of secret `name` in the fake, oldest first. */
  versions(name: string): readonly FakeVersion[];
  /** The id of the version of `name` carrying `label` in the fake. */
  holder(name: string, label: string): string | undefined;
  /** The keys the stand-in service accepts now. */
  accepted(): string[];
  /** Makes the stand-in service accept `key`. */
  accept(key: string): void;
}

/** The api-key rotator's hooks, keeping `accepted.txt` in `dir` (the key arrives on stdin). */
export function serviceHooks(dir: string): Record<string, unknown> {
  const file = join(dir, 'accepted.txt');
  return {
    register: ['sh', '-c', `cat >> '${file}'`],
    withdraw: ['sh', '-c', `read -r k; grep -vxF -- "$k" '${file}' > '${file}.tmp'; mv '${file}.tmp' '${file}'`],
  };
}

/**
 * Runs `body` with a project declaring `secrets` (given the project directory, for hooks that
 * name files in it) for its production environment on the fake (prefix {@link PREFIX});
 * `providerOptions` go to the provider (secretIds, maxAttempts). The service file starts empty.
 */
export async function withAwsRotation(secrets: (dir: string) => ConfigFile['secrets'], body: (project: AwsRotationProject) => Promise<void>, providerOptions: AwsSecretsManagerOptions = {}): Promise<void> {
  await withFakeAws(async ({ fake, open }) => {
    const dir = mkdtempSync(join(tmpdir(), 'coffer-aws-rotation-'));
    try {
      writeFileSync(join(dir, 'accepted.txt'), '');
      const raw: ConfigFile = { version: 1, environments: { production: { profile: 'production', provider: 'aws-secrets-manager', options: { prefix: PREFIX } } }, secrets: secrets(dir) };
      const config = resolveConfig(raw, join(dir, 'coffer.config.json'));
      let now = new Date('2026-06-01T00:00:00.000Z');
      const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
      const build = (options: AwsSecretsManagerOptions) => {
        const provider = open({ ...providerOptions, ...options });
        const engine = createEngine(config, 'production', provider, env, () => now, (name, step) => project.onStep?.(name, step));
        return { provider, engine };
      };
      const first = build({});
      const project: AwsRotationProject = {
        fake, dir, config, ...first,
        secret: (name) => config.secrets.find((s) => s.name === name) as ResolvedSecret,
        reopen: (options = {}) => build(options),
        advance: (ms) => void (now = new Date(now.getTime() + ms)),
        versions: (name) => fake.state.secrets.get(PREFIX + name)?.versions ?? [],
        holder: (name, label) => fake.state.holder(PREFIX + name, label)?.id,
        accepted: () => readFileSync(join(dir, 'accepted.txt'), 'utf8').split('\n').filter(Boolean),
        accept: (key) => appendFileSync(join(dir, 'accepted.txt'), `${key}\n`),
      };
      await body(project);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

/** The AWS stages each version of `name` carries, by version id (versions with none left out). */
export function stagesByVersion(project: AwsRotationProject, name: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const v of project.versions(name)) {
    const stages = v.labels.filter((l) => l.startsWith('AWS'));
    if (stages.length > 0) out[v.id] = stages.sort();
  }
  return out;
}
