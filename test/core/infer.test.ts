import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inferCategory } from '../../src/core/infer.js';

test('categories are inferred from conventional names', () => {
  const cases: Record<string, string> = {
    JWT_SECRET: 'jwt', JWT_REFRESH_SECRET: 'jwt', AUTH_JWT_KEY: 'jwt',
    DB_PASSWORD: 'database', POSTGRES_PASSWORD: 'database', DATABASE_PASSWORD: 'database', MYSQL_ROOT_PASSWORD: 'database',
    REDIS_PASSWORD: 'redis', SESSION_SECRET: 'session', COOKIE_SECRET: 'session',
    ENCRYPTION_KEY: 'encryption', DATA_ENCRYPTION_KEY: 'encryption',
    INTERNAL_API_KEY: 'api_key', STRIPE_API_KEY: 'api_key', AWS_SECRET_ACCESS_KEY: 'api_key',
    WEBHOOK_SECRET: 'webhook', GITHUB_WEBHOOK_SECRET: 'webhook',
    GITHUB_TOKEN: 'token', SLACK_BOT_TOKEN: 'token',
    ADMIN_PASSWORD: 'password', SMTP_PASS: 'password',
    LOG_LEVEL: 'generic', NODE_ENV: 'generic',
  };
  for (const [name, category] of Object.entries(cases)) assert.equal(inferCategory(name), category, name);
  assert.equal(inferCategory('jwt_secret'), 'jwt', 'case-insensitive');
});

test('looksSecret separates secrets from ordinary settings', async () => {
  const { looksSecret } = await import('../../src/core/infer.js');
  for (const name of ['APP_SECRET', 'JWT_SECRET', 'DB_PASSWORD', 'GITHUB_TOKEN', 'STRIPE_API_KEY', 'PRIVATE_KEY', 'SIGNING_KEY', 'PASSWORD_SALT']) assert.ok(looksSecret(name), name);
  for (const name of ['PORT', 'NODE_ENV', 'LOG_LEVEL', 'DATABASE_HOST', 'REDIS_URL', 'KEYCLOAK_REALM', 'FEATURE_FLAGS']) assert.ok(!looksSecret(name), name);
});
