import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { editConfig, sandbox } from './_harness.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';

test('an environment on the embedded store: generate and validate work, the key file lands under HOME, no plaintext on disk', async () => {
  const box = sandbox();
  try {
    // The store is init's default; the environment is written out in full here, as a user would
    // write one by hand, so the test does not depend on the starter's exact shape.
    assert.equal((await box.run(['init', '--yes'])).code, 0);
    editConfig(box, (config) => {
      config.environments.production = { profile: 'production', provider: 'store' };
    });
    const generated = await box.run(['generate', 'production', '--json']);
    assert.equal(generated.code, 0, generated.stderr);
    assert.ok(JSON.parse(generated.stdout).secrets.every((s: { action: string }) => s.action === 'generated'));
    const validated = await box.run(['validate', 'production', '--json']);
    assert.equal(validated.code, 0, validated.stdout);
    assert.equal(JSON.parse(validated.stdout).status, 'COMPLIANT');
    const again = await box.run(['generate', 'production', '--json']);
    assert.ok(JSON.parse(again.stdout).secrets.every((s: { action: string }) => s.action === 'kept'));
    const storeDir = join(box.dir, '.coffer');
    assert.equal(statSync(storeDir).mode & 0o777, 0o700);
    for (const file of readdirSync(storeDir)) assert.equal(statSync(join(storeDir, file)).mode & 0o077, 0, `${file} is private`);
    const keys = join(box.home, '.config', 'coffer', 'keys');
    const keyFiles = readdirSync(keys);
    assert.equal(keyFiles.length, 1, 'generate used the store and key that init created');
    const [keyFile] = keyFiles;
    assert.equal(statSync(join(keys, keyFile as string)).mode & 0o777, 0o600);
    // The generated values never touch the disk in clear: read them through the library with the
    // same key file, then search every file of the store for them.
    const store = await openSqliteStore({ path: join(storeDir, 'store.db'), env: { HOME: box.home } });
    const values: string[] = [];
    try {
      for (const info of await store.list('production')) values.push((await store.get('production', info.name, { actor: 'test' })).value);
    } finally {
      store.close();
    }
    assert.equal(values.length, 8);
    for (const file of readdirSync(storeDir)) {
      const bytes = readFileSync(join(storeDir, file));
      for (const value of values) assert.equal(bytes.indexOf(value), -1, `a value is in clear in ${file}`);
    }
    for (const out of [generated, validated, again]) for (const value of values) assert.ok(!out.stdout.includes(value) && !out.stderr.includes(value), 'a value leaked into output');
  } finally {
    box.cleanup();
  }
});
