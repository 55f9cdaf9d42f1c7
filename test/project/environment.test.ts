import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig } from '../../src/config/resolve.js';
import { isCofferError } from '../../src/core/errors.js';
import { openEnvironmentProvider } from '../../src/project/_environment.js';

test('provider options resolve ${env:..} references when the provider opens; a missing variable names the config key', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'coffer-env-opts-'));
  const config = resolveConfig({
    version: 1,
    environments: { production: { profile: 'production', provider: 'dotenv', options: { path: '${env:SECRETS_DIR}/.env.prod' } } },
    secrets: {},
  }, join(dir, 'coffer.config.json'));
  const provider = await openEnvironmentProvider(config, 'production', { env: { SECRETS_DIR: '/srv/secrets' } });
  assert.equal(provider.file, '/srv/secrets/.env.prod');
  await provider.close();
  await assert.rejects(openEnvironmentProvider(config, 'production', { env: {} }), (e) => isCofferError(e, 'COFFER_E_REFERENCE_MISSING') && e.message.includes('environments.production.options.path'));
});
