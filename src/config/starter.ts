/**
 * The starter project that `coffer init` writes: a config with the standard set of application
 * secrets, every environment on one provider (the embedded encrypted store by default, or
 * dotenv files), and the matching annotated `.env.example`.
 */
import { CATEGORIES, type CategoryId, type SecurityLevel } from '../core/categories.js';
import type { ConfigFile } from './schema.js';
import type { Config } from './resolve.js';

/** The standard secrets every starter project declares. */
export const STANDARD_SECRETS: readonly { name: string; category: CategoryId; level: SecurityLevel; description: string }[] = [
  { name: 'JWT_SECRET', category: 'jwt', level: 'Critical', description: 'Signs access tokens (HMAC); must differ from JWT_REFRESH_SECRET.' },
  { name: 'JWT_REFRESH_SECRET', category: 'jwt', level: 'Critical', description: 'Signs refresh tokens; must differ from JWT_SECRET.' },
  { name: 'DB_PASSWORD', category: 'database', level: 'Critical', description: 'Password of the application database role.' },
  { name: 'REDIS_PASSWORD', category: 'redis', level: 'Secret', description: 'Password of the Redis server (requirepass or ACL user).' },
  { name: 'SESSION_SECRET', category: 'session', level: 'Critical', description: 'Signs session cookies.' },
  { name: 'ENCRYPTION_KEY', category: 'encryption', level: 'Critical', description: 'AES-256-GCM key (64 hex characters = 256 bits) for data at rest.' },
  { name: 'INTERNAL_API_KEY', category: 'api_key', level: 'Secret', description: 'Authenticates calls between internal services.' },
  { name: 'WEBHOOK_SECRET', category: 'webhook', level: 'Secret', description: 'Signs and verifies webhook payloads (HMAC).' },
];

/** Providers `coffer init` can put the starter environments on. */
export const STARTER_PROVIDERS = ['store', 'dotenv'] as const;

/** A provider `coffer init` can put the starter environments on. */
export type StarterProvider = (typeof STARTER_PROVIDERS)[number];

const STARTER_ENVIRONMENTS = [
  { name: 'development', description: 'Local development', profile: 'development' },
  { name: 'staging', description: 'Pre-production, held to production rules', profile: 'production' },
  { name: 'production', description: 'Production', profile: 'production' },
] as const;

/**
 * The config `coffer init` writes for a project called `project`, with every environment on
 * `provider`: the embedded store (default; each environment is the environment of the same name
 * in `.coffer/store.db`) or a dotenv file `.env.<environment>`.
 *
 * @example
 * starterConfig('shop');            // development, staging, production on the store
 * starterConfig('shop', 'dotenv');  // ... in .env.development, .env.staging, .env.production
 */
export function starterConfig(project: string, provider: StarterProvider = 'store'): ConfigFile {
  return {
    version: 1,
    project,
    defaultEnvironment: 'development',
    environments: Object.fromEntries(STARTER_ENVIRONMENTS.map(({ name, description, profile }) => [
      name,
      { description, profile, provider, options: provider === 'dotenv' ? { path: `.env.${name}` } : {} },
    ])),
    secrets: Object.fromEntries(
      STANDARD_SECRETS.map((s) => [s.name, { category: s.category, level: s.level, required: true, description: s.description }]),
    ),
  };
}

/**
 * The `.env.example` text for a config: every variable with an empty value, annotated with its
 * security level, category and how its value is produced. It holds no values, so it can be
 * committed.
 */
export function envExample(config: Config): string {
  const lines = [
    `# ${config.project}: environment variables managed by Coffer.`,
    '# This file documents the variables and holds no values; it is safe to commit.',
    `# ${whereValuesLive(config)}`,
    '# Generate them with `coffer generate <environment>`; check them with `coffer validate <environment>`.',
    '',
  ];
  for (const secret of config.secrets) {
    const policy = CATEGORIES[secret.category];
    const how = secret.external
      ? 'supplied by you (issued by a third party); not generated'
      : `generated: ${secret.generator.length} ${secret.generator.encoding} characters`;
    if (secret.description) lines.push(`# ${secret.description}`);
    lines.push(`# level: ${secret.level} | category: ${secret.category} (${policy.title}) | ${how}`);
    lines.push(`# ${secret.required ? 'required' : 'optional'} | rotate every ${secret.rotationDays} days (${secret.riskTier} risk)`);
    lines.push(`${secret.name}=${secret.default ?? ''}`, '');
  }
  return lines.join('\n');
}

/** One comment line saying where the config keeps its values, none of which is ever committed. */
function whereValuesLive(config: Config): string {
  const envs = Object.values(config.environments);
  const stores = [...new Set(envs.filter((e) => e.provider === 'store').map((e) => String(e.options.path ?? '.coffer/store.db')))];
  const files = envs.filter((e) => e.provider === 'dotenv').map((e) => String(e.options.path));
  const places = [
    ...stores.map((path) => `the encrypted store ${path}`),
    ...(files.length === 0 ? [] : [`the dotenv file${files.length > 1 ? 's' : ''} ${files.join(', ')}`]),
    ...(envs.some((e) => e.provider !== 'store' && e.provider !== 'dotenv') ? ['the other providers named in coffer.config.json'] : []),
  ];
  const key = stores.length === 0 ? '' : `; the store's master key is kept outside the project`;
  const listed = places.length > 1 ? `${places.slice(0, -1).join(', ')} and ${places.at(-1)}` : places.join('');
  return `Real values live in ${listed} (never committed${key}).`;
}
