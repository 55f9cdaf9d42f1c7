import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { assertNoValues } from './_harness.js';
import { storeProject, storeValues } from './_store-read.js';

const project = storeProject;

test('backup writes one private encrypted file; restore-backup recreates a lost store with every value', async () => {
  const { box, values } = await project();
  try {
    const backup = await box.run(['backup', 'coffer.backup']);
    assert.equal(backup.code, 0, backup.stderr);
    assert.match(backup.stdout, /backed up 8 secrets \(development\)/);
    assertNoValues(backup, values);
    const file = join(box.dir, 'coffer.backup');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const raw = readFileSync(file);
    for (const value of Object.values(values)) assert.equal(raw.indexOf(value), -1, 'a value is in clear in the backup');

    const again = await box.run(['backup', 'coffer.backup']);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /^coffer: COFFER_E_EXISTS: .*coffer\.backup/);

    // The store is lost; a new checkout of the project restores it from the backup.
    const fresh = join(box.dir, 'elsewhere');
    mkdirSync(fresh);
    copyFileSync(join(box.dir, 'coffer.config.json'), join(fresh, 'coffer.config.json'));
    copyFileSync(file, join(fresh, 'coffer.backup'));
    const dry = await box.run(['restore-backup', 'coffer.backup', '--dry-run', '--json'], { cwd: fresh });
    assert.equal(dry.code, 0, dry.stderr);
    const plan = JSON.parse(dry.stdout) as { createdStore: boolean; dryRun: boolean; secrets: { action: string }[] };
    assert.equal(plan.createdStore, true);
    assert.equal(plan.secrets.filter((s) => s.action === 'restored').length, 8);
    assert.throws(() => statSync(join(fresh, '.coffer', 'store.db')), 'a dry run writes nothing');

    const restore = await box.run(['restore-backup', 'coffer.backup'], { cwd: fresh });
    assert.equal(restore.code, 0, restore.stderr);
    assert.match(restore.stdout, /restored 8, updated 0, kept 0, skipped 0/);
    assertNoValues(restore, values);
    assert.equal(statSync(join(fresh, '.coffer', 'store.db')).mode & 0o777, 0o600);
    const restored = await storeValues({ ...box, dir: fresh }, 'development');
    assert.deepEqual(restored, values);
    const validate = await box.run(['validate', 'development'], { cwd: fresh });
    assert.equal(validate.code, 0, validate.stdout);
  } finally {
    box.cleanup();
  }
});

test('restore-backup into the live store keeps newer values; a damaged backup or a wrong key is one clear line', async () => {
  const { box, values } = await project();
  try {
    assert.equal((await box.run(['backup', 'b1'])).code, 0);
    assert.equal((await box.run(['generate', 'development', '--yes', '--force', '--only', 'JWT_SECRET'])).code, 0);
    const newer = await storeValues(box, 'development');
    const restore = await box.run(['restore-backup', 'b1', '--json']);
    assert.equal(restore.code, 0, restore.stderr);
    const result = JSON.parse(restore.stdout) as { createdStore: boolean; secrets: { name: string; action: string }[] };
    assert.equal(result.createdStore, false);
    assert.ok(result.secrets.every((s) => s.action === 'kept'));
    assert.deepEqual(await storeValues(box, 'development'), newer);

    const bytes = readFileSync(join(box.dir, 'b1'));
    bytes[bytes.length - 10] = (bytes[bytes.length - 10] as number) ^ 0x40;
    writeFileSync(join(box.dir, 'b2'), bytes);
    const damaged = await box.run(['restore-backup', 'b2']);
    assert.equal(damaged.code, 3);
    assert.match(damaged.stderr, /^coffer: COFFER_E_DECRYPT_FAILED: Decryption of the backup .*b2 \(damaged or altered\) failed/);
    assert.equal(damaged.stderr.trim().split('\n').length, 1);
    assertNoValues(damaged, values);

    const wrongKey = await box.run(['restore-backup', 'b1'], { env: { COFFER_MASTER_KEY: 'ab'.repeat(32) } });
    assert.equal(wrongKey.code, 2);
    assert.match(wrongKey.stderr, /^coffer: COFFER_E_BAD_MASTER_KEY: /);

    const notBackup = await box.run(['restore-backup', 'coffer.config.json']);
    assert.equal(notBackup.code, 3);
    assert.match(notBackup.stderr, /COFFER_E_STORE_CORRUPT: .*is not a Coffer backup/);
  } finally {
    box.cleanup();
  }
});
