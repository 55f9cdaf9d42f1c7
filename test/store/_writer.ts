/**
 * Test worker: opens the store at argv[2] and writes forever, printing `ack NAME VERSION VALUE`
 * after each write resolves, i.e. once the store has acknowledged it. With `cas` as argv[3] it
 * writes one secret with check-and-set and prints `conflict` when it loses. Killed by the test.
 * `read-exit` reads SHARED and exits immediately; `write-once` writes SHARED once.
 */
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import { isCofferError } from '../../src/core/errors.js';

const [path, mode, tag] = process.argv.slice(2) as [string, string, string];
const store = await openSqliteStore({ path });
if (mode === 'cas') {
  const current = (await store.list('dev')).find((s) => s.name === 'SHARED')?.version ?? 0;
  // Both workers read the same version, then race to write the next one.
  process.stdout.write('ready\n');
  await new Promise((resolve) => process.stdin.once('data', resolve));
  try {
    const info = await store.put('dev', 'SHARED', `value-from-${tag}`, { actor: tag, expectVersion: current });
    process.stdout.write(`ack SHARED ${info.version}\n`);
  } catch (error) {
    process.stdout.write(isCofferError(error, 'COFFER_E_CONFLICT') ? 'conflict\n' : `error ${String(error)}\n`);
  }
  store.close();
} else if (mode === 'read-exit') {
  // Reads, then exits at once: the queued read audit must still be committed.
  await store.get('dev', 'SHARED', { actor: tag });
  process.exit(0);
} else if (mode === 'write-once') {
  await store.put('dev', 'SHARED', `value-from-${tag}`, { actor: tag });
  store.close();
} else {
  for (let i = 0; ; i++) {
    const name = `SECRET_${i % 5}`;
    const value = `${tag}-${i}-${'x'.repeat(i % 50)}`;
    const info = await store.put('dev', name, value, { actor: tag });
    if (i % 7 === 0) await store.get('dev', name, { actor: tag });
    process.stdout.write(`ack ${name} ${info.version} ${value}\n`);
  }
}
