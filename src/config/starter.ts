/**
 * The starter project that `coffer init` writes: a config with the standard set of application
 * secrets, and the matching annotated `.env.example`.
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

/** The config `coffer init` writes for a project called `project`. */
export function starterConfig(project: string): ConfigFile {
  return {
    version: 1,
    project,
    defaultEnvironment: 'development',
    environments: {
      development: { description: 'Local development', profile: 'development', provider: 'dotenv', options: { path: '.env.development' } },
      staging: { description: 'Pre-production, held to production rules', profile: 'production', provider: 'dotenv', options: { path: '.env.staging' } },
      production: { description: 'Production', profile: 'production', provider: 'dotenv', options: { path: '.env.production' } },
    },
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
    '# Real values live in each environment\'s provider (e.g. .env.development, never committed).',
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
