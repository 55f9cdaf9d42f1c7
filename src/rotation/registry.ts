/**
 * The registry of rotators: each id is a file in src/rotation/rotators/, loaded only when a
 * secret uses it (so the pg and ioredis packages load only for database and Redis rotations),
 * and the default rotator of each category. Categories whose credential lives in another system
 * (database, redis) have no default: rotating them without saying how would change the stored
 * value and lock the application out of that system.
 */
import type { z } from 'zod/v3';
import type { CategoryId } from '../core/categories.js';
import { CofferError } from '../core/errors.js';
import type { Rotator, RotatorContext, RotatorFactory } from './types.js';

interface RotatorModule {
  default: RotatorFactory<never>;
  optionsSchema: z.ZodType;
}

const LOADERS = {
  random: () => import('./rotators/random.js'),
  'api-key': () => import('./rotators/api-key.js'),
  jwt: () => import('./rotators/jwt.js'),
  'encryption-key': () => import('./rotators/encryption-key.js'),
  postgres: () => import('./rotators/postgres.js'),
  redis: () => import('./rotators/redis.js'),
} satisfies Record<string, () => Promise<RotatorModule>>;

/** Every rotator id Coffer ships. */
export const ROTATOR_IDS = Object.keys(LOADERS) as RotatorId[];
/** A rotator id. */
export type RotatorId = keyof typeof LOADERS;

/** The rotator used when a secret's config names none; undefined where one must be configured. */
export const DEFAULT_ROTATORS: Readonly<Record<CategoryId, string | undefined>> = {
  jwt: 'jwt',
  session: 'jwt',
  webhook: 'jwt',
  encryption: 'encryption-key',
  api_key: 'api-key',
  token: 'api-key',
  password: 'random',
  generic: 'random',
  database: undefined,
  redis: undefined,
};

/**
 * Opens rotator `id` with options as written in the config; `where` names them in messages.
 *
 * @example
 * const rotator = await openRotator('postgres', { admin: url, strategy: 'alternating', roles: ['app_a', 'app_b'] }, { env: process.env });
 */
export async function openRotator(id: string, options: Readonly<Record<string, unknown>>, context: RotatorContext, where = 'rotation options'): Promise<Rotator> {
  if (!Object.hasOwn(LOADERS, id)) {
    throw new CofferError('COFFER_E_CONFIG_INVALID', `${where}: unknown rotator "${id}"; available: ${ROTATOR_IDS.join(', ')}.`);
  }
  const module: RotatorModule = await LOADERS[id as RotatorId]();
  const parsed = module.optionsSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = ['options', ...(issue?.path ?? []).map(String)].join('.');
    const what = issue?.code === 'unrecognized_keys' ? `unknown option "${issue.keys[0]}"` : (issue?.message ?? 'invalid');
    throw new CofferError('COFFER_E_CONFIG_INVALID', `${where}: ${path}: ${what} for the ${id} rotator; see docs/rotation/${id}.md.`);
  }
  return (module.default as RotatorFactory<unknown>)(parsed.data, context);
}
