import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sandbox } from './_harness.js';

test('coffer init creates config, .env.example and .gitignore without prompting', async () => {
  const box = sandbox();
  try {
    writeFileSync(join(box.dir, '.gitignore'), 'node_modules/\n.env\n');
    const result = await box.run(['init']);
    assert.equal(result.code, 0, result.stderr);
    const config = JSON.parse(readFileSync(join(box.dir, 'coffer.config.json'), 'utf8'));
    assert.deepEqual(Object.keys(config.secrets), ['JWT_SECRET', 'JWT_REFRESH_SECRET', 'DB_PASSWORD', 'REDIS_PASSWORD', 'SESSION_SECRET', 'ENCRYPTION_KEY', 'INTERNAL_API_KEY', 'WEBHOOK_SECRET']);
    assert.deepEqual(Object.keys(config.environments), ['development', 'staging', 'production']);
    assert.equal(config.project, 'project');
    const example = readFileSync(join(box.dir, '.env.example'), 'utf8');
    assert.match(example, /# level: Critical \| category: jwt/);
    assert.match(example, /generated: 64 hex characters/);
    assert.match(example, /^DB_PASSWORD=$/m);
    const gitignore = readFileSync(join(box.dir, '.gitignore'), 'utf8');
    assert.ok(gitignore.startsWith('node_modules/\n.env\n'), 'existing lines kept');
    for (const line of ['.env.*', '!.env.example', '.coffer/', '*.key']) assert.ok(gitignore.split('\n').includes(line), line);
    assert.equal(gitignore.split('\n').filter((l) => l === '.env').length, 1, 'no duplicate entries');
    assert.match(result.stdout, /created\s+.*coffer\.config\.json/);
  } finally {
    box.cleanup();
  }
});

test('coffer init refuses to overwrite an existing config, and --force backs it up', async () => {
  const box = sandbox();
  try {
    assert.equal((await box.run(['init', '--yes', '--project', 'shop'])).code, 0);
    const path = join(box.dir, 'coffer.config.json');
    writeFileSync(path, '{"edited": true}');
    const again = await box.run(['init', '--yes']);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /^coffer: COFFER_E_EXISTS: .*coffer\.config\.json already exists.*--force/);
    assert.equal(again.stderr.trim().split('\n').length, 1, 'one line');
    assert.equal(readFileSync(path, 'utf8'), '{"edited": true}', 'untouched');
    const forced = await box.run(['init', '--yes', '--force', '--json']);
    assert.equal(forced.code, 0, forced.stderr);
    const out = JSON.parse(forced.stdout);
    assert.ok(out.files.some((f: { action: string }) => f.action === 'replaced'));
    assert.equal(JSON.parse(readFileSync(path, 'utf8')).version, 1);
    const backups = (await import('node:fs')).readdirSync(box.dir).filter((f) => f.startsWith('coffer.config.json.bak-'));
    assert.equal(backups.length, 1);
    assert.equal(statSync(join(box.dir, backups[0] as string)).mode & 0o777, 0o600);
  } finally {
    box.cleanup();
  }
});

test('usage errors exit 2 with one line', async () => {
  const box = sandbox();
  try {
    const result = await box.run(['init', '--bogus']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /unknown option '--bogus'/);
    const version = await box.run(['--version']);
    assert.equal(version.code, 0);
    assert.match(version.stdout, /^\d+\.\d+\.\d+\n$/);
    const noConfig = await box.run(['generate']);
    assert.equal(noConfig.code, 2);
    assert.match(noConfig.stderr, /COFFER_E_CONFIG_NOT_FOUND.*coffer init/);
  } finally {
    box.cleanup();
  }
});
