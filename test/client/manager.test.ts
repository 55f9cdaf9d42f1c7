import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CofferError, isCofferError } from '../../src/core/errors.js';
import { SecretManager } from '../../src/client/manager.js';
import { defineSecrets } from '../../src/client/schema.js';
import type { ErrorEvent, LogRecord, RefreshEvent, SecretManagerOptions } from '../../src/client/types.js';
import type { SecretSchema } from '../../src/client/schema.js';
import { memoryProvider, type MemoryProvider } from './_memory-provider.js';

const SECRET_A = 'value-of-a-7f3a9c-secret';
const SECRET_B = 'value-of-b-19be22-secret';
const schema = defineSecrets({
  A: { category: 'jwt' },
  B: { category: 'api_key' },
  LOG_LEVEL: { required: false, default: 'info' },
  SENTRY_DSN: { required: false },
});

/** A manager over a memory provider with a clock the test moves. */
function setup<S extends SecretSchema = typeof schema>(options: Partial<SecretManagerOptions<S>> = {}, initial: Record<string, string> = { A: SECRET_A, B: SECRET_B }) {
  const provider = memoryProvider(initial);
  const clock = { now: 1_000_000 };
  const manager = new SecretManager<S>(provider, { schema: schema as unknown as S, ttlMs: 60_000, jitter: 0, retry: { baseMs: 1, maxMs: 2 }, timeoutMs: 200, now: () => clock.now, ...options });
  return { provider, clock, manager };
}
const tick = () => new Promise((r) => setImmediate(r));
const unavailable = () => new CofferError('COFFER_E_UNAVAILABLE', 'the provider is down');

test('initialize loads every declared secret, applies defaults, and lists every missing required name without values', async () => {
  const { manager } = setup();
  const health = await manager.initialize();
  assert.equal(health.status, 'healthy');
  assert.equal(manager.value('A'), SECRET_A);
  assert.equal(manager.value('LOG_LEVEL'), 'info');
  assert.equal(manager.value('SENTRY_DSN'), undefined);
  assert.deepEqual(health.secrets.LOG_LEVEL, { loaded: true, required: false, hasDefault: true, source: 'default', version: null, stale: false, lastError: null });

  const missing = setup({}, { B: SECRET_B });
  await assert.rejects(missing.manager.initialize(), (e) => isCofferError(e, 'COFFER_E_MISSING_SECRETS') && /Missing required secret: A \(provider memory\)/.test(e.message));
  const none = setup({}, {});
  await assert.rejects(none.manager.initialize(), (e) => isCofferError(e, 'COFFER_E_MISSING_SECRETS') && e.message.includes('A, B'));
  assert.equal(none.manager.health().status, 'unhealthy');
  assert.equal(none.manager.health().requiredSecretsOk, false);
});

test('initialize lists every missing required name together with the other failures, by name and code, without values', async () => {
  const { provider, manager } = setup({}, { B: SECRET_B });
  const read = provider.get.bind(provider);
  provider.get = async (name, options) => {
    if (name === 'B') throw new CofferError('COFFER_E_ACCESS_DENIED', 'the policy does not allow reading B');
    if (name === 'SENTRY_DSN') throw new CofferError('COFFER_E_UNAVAILABLE', 'the provider is down');
    return read(name, options);
  };
  await assert.rejects(manager.initialize(), (e) => {
    assert.ok(isCofferError(e, 'COFFER_E_MISSING_SECRETS'), String(e));
    assert.match(e.message, /^Missing required secret: A \(provider memory\); .* These could not be read either: B \(COFFER_E_ACCESS_DENIED\), SENTRY_DSN \(COFFER_E_UNAVAILABLE\)\.$/);
    assert.deepEqual(e.details, { missing: ['A'], failed: [{ name: 'B', code: 'COFFER_E_ACCESS_DENIED' }, { name: 'SENTRY_DSN', code: 'COFFER_E_UNAVAILABLE' }] });
    assert.equal(e.message.includes(SECRET_B), false);
    return true;
  });
  // Nothing missing, two failures: one error naming both, with the first one's code.
  provider.put('A', SECRET_A);
  await assert.rejects(manager.preload(), (e) => isCofferError(e, 'COFFER_E_ACCESS_DENIED') && /2 secrets could not be read from the memory provider: B \(COFFER_E_ACCESS_DENIED\), SENTRY_DSN \(COFFER_E_UNAVAILABLE\)/.test(e.message));
});

test('preload loads the names given (or every declared one) so value() can read them, without checking required ones', async () => {
  const { provider, manager } = setup({}, { B: SECRET_B });
  await manager.preload(['B']);
  assert.equal(provider.calls, 1);
  assert.equal(manager.value('B'), SECRET_B);
  assert.throws(() => manager.value('LOG_LEVEL'), (e) => isCofferError(e, 'COFFER_E_USAGE') && /preload/.test(e.message));
  await manager.preload();
  assert.equal(manager.value('LOG_LEVEL'), 'info');
  assert.throws(() => manager.value('A'), (e) => isCofferError(e, 'COFFER_E_NOT_FOUND'), 'a missing required secret is not served');
  assert.equal(manager.health().initialized, false);
});

test('many concurrent misses of one secret make one provider call', async () => {
  const { provider, manager } = setup();
  provider.faults.push({ kind: 'delay', ms: 20 });
  const values = await Promise.all(Array.from({ length: 50 }, () => manager.get('A')));
  assert.ok(values.every((v) => v === SECRET_A));
  assert.equal(provider.calls, 1);
  await manager.get('A');
  assert.equal(provider.calls, 1, 'served from cache');
});

test('past the TTL the stale value is served while one background refresh runs; the same version emits nothing, a new one emits change', async () => {
  const { provider, clock, manager } = setup();
  await manager.initialize();
  const changes: unknown[] = [];
  manager.on('change', (e) => changes.push(e));
  const callsBefore = provider.calls;
  clock.now += 61_000;
  assert.equal(manager.value('A'), SECRET_A, 'stale value served at once');
  assert.equal(manager.value('A'), SECRET_A);
  await tick();
  assert.equal(provider.calls, callsBefore + 1, 'one refresh, not one per read');
  assert.deepEqual(changes, []);
  assert.equal(manager.health().secrets.A?.stale, false, 'the refresh renewed the entry');

  provider.put('A', 'value-of-a-rotated-000000');
  clock.now += 61_000;
  manager.value('A');
  await tick();
  assert.equal(manager.value('A'), 'value-of-a-rotated-000000');
  assert.deepEqual(changes, [{ name: 'A', source: 'memory', version: '2', previousVersion: '1' }]);
});

test('a failing refresh keeps serving the last good value (degraded), until the maximum staleness: then reads fail closed', async () => {
  const { provider, clock, manager } = setup({ maxStalenessMs: 120_000, retry: { attempts: 1 } });
  await manager.initialize();
  const errors: string[] = [];
  manager.on('error', (e) => errors.push(e.code));
  clock.now += 61_000;
  provider.faults.push({ kind: 'throw', error: unavailable() });
  assert.equal(manager.value('A'), SECRET_A);
  await tick();
  assert.deepEqual(errors, ['COFFER_E_UNAVAILABLE']);
  const health = manager.health();
  assert.equal(health.status, 'degraded');
  assert.equal(health.errors.count, 1);
  assert.equal(health.secrets.A?.stale, true);
  assert.equal(await manager.get('A'), SECRET_A, 'get serves stale too');
  clock.now += 125_000;
  assert.throws(() => manager.value('A'), (e) => isCofferError(e, 'COFFER_E_UNAVAILABLE') && /maximum staleness/.test(e.message) && !e.message.includes(SECRET_A));
});

test('a refresh where one secret fails and others succeed after it: degraded with the error counted, until that secret\'s own next success', async () => {
  const { provider, manager } = setup({ retry: { attempts: 1 } });
  await manager.initialize();
  const events: RefreshEvent[] = [];
  manager.on('refresh', (e) => events.push(e));
  provider.faults.push({ kind: 'throw', error: unavailable() });
  const result = await manager.refresh();
  assert.deepEqual(events, [result], 'refresh() emits what it returns');
  assert.deepEqual(result.failed, ['A']);
  assert.deepEqual(result.refreshed, ['B', 'LOG_LEVEL', 'SENTRY_DSN'], 'B and the others succeeded after A failed');
  let health = manager.health();
  assert.equal(health.status, 'degraded');
  assert.equal(health.errors.count, 1);
  assert.equal(health.errors.lastCode, 'COFFER_E_UNAVAILABLE');
  assert.match(health.errors.lastAt ?? '', /^\d{4}-\d\d-\d\dT/);
  assert.deepEqual(health.secrets.A?.lastError, { code: 'COFFER_E_UNAVAILABLE', at: new Date(1_000_000).toISOString() });
  assert.equal(health.secrets.B?.lastError, null);
  assert.equal(manager.value('A'), SECRET_A, 'the last good value is served');
  // Other secrets succeeding does not clear A's failure.
  await manager.get('B', { bypassCache: true });
  assert.equal(manager.health().status, 'degraded');
  // A's own success does; the count stays: it counts errors since start.
  await manager.get('A', { bypassCache: true });
  health = manager.health();
  assert.equal(health.status, 'healthy');
  assert.equal(health.secrets.A?.lastError, null);
  assert.equal(health.errors.count, 1);
});

test('values past their TTL that nobody read since are not degraded: nothing failed, and the next read refreshes them', async () => {
  const { clock, manager } = setup();
  await manager.initialize();
  clock.now += 61_000;
  const health = manager.health();
  assert.equal(health.cacheExpired, true);
  assert.equal(health.secrets.LOG_LEVEL?.stale, true);
  assert.equal(health.status, 'healthy');
});

test('a secret\'s own ttlMs overrides the manager\'s: it goes stale and refreshes on its own schedule', async () => {
  const { provider, clock, manager } = setup({ schema: defineSecrets({ A: { ttlMs: 5_000 }, B: {} }) });
  await manager.initialize();
  const callsBefore = provider.calls;
  clock.now += 6_000;
  assert.equal(manager.health().secrets.A?.stale, true);
  assert.equal(manager.health().secrets.B?.stale, false, 'B keeps the manager\'s 60 s');
  manager.value('B');
  assert.equal(await manager.get('B'), SECRET_B);
  assert.equal(provider.calls, callsBefore, 'B is fresh: no provider call');
  manager.value('A');
  await tick();
  assert.equal(provider.calls, callsBefore + 1, 'A was refreshed');
  assert.equal(manager.health().secrets.A?.stale, false);
});

test('a provider that hangs times out as UNAVAILABLE; retryable failures are retried, a refusal is not and stays a refusal', async () => {
  const hang = setup({ timeoutMs: 50, retry: { attempts: 1 } });
  hang.provider.faults.push({ kind: 'hang' });
  await assert.rejects(hang.manager.get('A'), (e) => isCofferError(e, 'COFFER_E_UNAVAILABLE') && /did not answer within 50 ms/.test(e.message));

  const flaky = setup({ retry: { attempts: 3, baseMs: 1, maxMs: 2 } });
  flaky.provider.faults.push({ kind: 'throw', error: unavailable() }, { kind: 'throw', error: new Error('ECONNRESET') });
  assert.equal(await flaky.manager.get('A'), SECRET_A);
  assert.equal(flaky.provider.calls, 3);

  const denied = setup();
  denied.provider.faults.push({ kind: 'throw', error: new CofferError('COFFER_E_ACCESS_DENIED', 'not allowed') });
  await assert.rejects(denied.manager.get('A'), (e) => isCofferError(e, 'COFFER_E_ACCESS_DENIED'));
  assert.equal(denied.provider.calls, 1, 'a refusal is final');

  // A provider that knows a retry would do harm (a write that may have landed, a wait longer than
  // allowed) says so on the error; the manager follows the error, not its code's usual rule.
  const final = setup({ retry: { attempts: 3, baseMs: 1, maxMs: 2 } });
  final.provider.faults.push({ kind: 'throw', error: new CofferError('COFFER_E_UNAVAILABLE', 'the service may have acted', { retryable: false }) });
  await assert.rejects(final.manager.get('A'), (e) => isCofferError(e, 'COFFER_E_UNAVAILABLE'));
  assert.equal(final.provider.calls, 1, 'an error marked not retryable is not retried');
});

test('the circuit opens after repeated failures, stops calling the provider, and lets one trial through after the cool-down', async () => {
  const { provider, clock, manager } = setup({ retry: { attempts: 1 }, circuit: { failures: 3, cooldownMs: 10_000 } });
  for (let i = 0; i < 3; i++) {
    provider.faults.push({ kind: 'throw', error: unavailable() });
    await assert.rejects(manager.get('A'));
  }
  assert.equal(provider.calls, 3);
  await assert.rejects(manager.get('A'), (e) => isCofferError(e, 'COFFER_E_UNAVAILABLE') && /failed 3 times in a row/.test(e.message));
  assert.equal(provider.calls, 3, 'no call while open');
  assert.equal(manager.health().circuit, 'open');
  clock.now += 10_000;
  assert.equal(await manager.get('A'), SECRET_A);
  assert.equal(manager.health().circuit, 'closed');
});

test('while the provider fails, a thousand stale reads make no storm: no refresh while the circuit is open, one log line per state change', async () => {
  const logs: LogRecord[] = [];
  const { provider, clock, manager } = setup({ retry: { attempts: 1 }, circuit: { failures: 2, cooldownMs: 10_000 }, log: (r) => logs.push(r) });
  await manager.initialize();
  const errors: ErrorEvent[] = [];
  manager.on('error', (e) => errors.push(e));
  const callsBefore = provider.calls;
  clock.now += 61_000;
  for (let i = 0; i < 200; i++) provider.faults.push({ kind: 'throw', error: unavailable() });
  for (let i = 0; i < 1000; i++) {
    assert.equal(manager.value('A'), SECRET_A);
    assert.equal(manager.value('B'), SECRET_B);
    await tick();
  }
  assert.equal(provider.calls - callsBefore, 2, 'A and B failed once each, which opened the circuit');
  assert.equal(errors.length, 2);
  let health = manager.health();
  assert.equal(health.errors.count, 2);
  assert.equal(health.circuit, 'open');
  assert.equal(health.status, 'degraded');
  assert.deepEqual(logs.map((r) => r.level).sort(), ['error', 'warn', 'warn']);
  assert.equal(logs.filter((r) => /circuit open/.test(r.message)).length, 1);
  assert.deepEqual(logs.filter((r) => r.level === 'warn').map((r) => r.name), ['A', 'B']);

  // After the cool-down the provider is back: the trial read closes the circuit, each secret recovers, each logged once.
  provider.faults.length = 0;
  clock.now += 10_000;
  manager.value('A');
  await tick();
  manager.value('B');
  await tick();
  health = manager.health();
  assert.equal(health.circuit, 'closed');
  assert.equal(health.status, 'healthy');
  assert.deepEqual(logs.slice(3).map((r) => r.message.replace(/ \(failing since .*\)/, '')), [
    'The memory provider answers again (circuit closed).',
    'Secret A was read again from the memory provider.',
    'Secret B was read again from the memory provider.',
  ]);
});

test('a secret whose refresh is refused (which does not open the circuit) is retried after the cool-down, not at every read', async () => {
  const { provider, clock, manager } = setup({ circuit: { failures: 2, cooldownMs: 10_000 } });
  await manager.initialize();
  const callsBefore = provider.calls;
  clock.now += 61_000;
  for (let i = 0; i < 50; i++) provider.faults.push({ kind: 'throw', error: new CofferError('COFFER_E_ACCESS_DENIED', 'not allowed') });
  for (let i = 0; i < 100; i++) {
    manager.value('A');
    await tick();
  }
  assert.equal(provider.calls - callsBefore, 1);
  assert.equal(manager.health().circuit, 'closed');
  clock.now += 10_000;
  manager.value('A');
  await tick();
  assert.equal(provider.calls - callsBefore, 2, 'tried again after the cool-down');
});

test('background refreshes emit refresh and move lastRefresh, like refresh() does; a failed one does neither silently', async () => {
  const { provider, clock, manager } = setup({ retry: { attempts: 1 } });
  await manager.initialize();
  const events: RefreshEvent[] = [];
  manager.on('refresh', (e) => events.push(e));
  const started = manager.health().lastRefresh;
  clock.now += 61_000;
  provider.put('A', 'value-of-a-rotated-bg-0000');
  manager.value('A');
  await tick();
  assert.deepEqual(events, [{ refreshed: ['A'], changed: ['A'], failed: [] }]);
  assert.equal(manager.health().lastRefresh, new Date(clock.now).toISOString());
  assert.notEqual(manager.health().lastRefresh, started);

  clock.now += 61_000;
  provider.faults.push({ kind: 'throw', error: unavailable() });
  manager.value('B');
  await tick();
  assert.deepEqual(events[1], { refreshed: [], changed: [], failed: ['B'] });
  assert.equal(manager.health().lastRefresh, new Date(clock.now - 61_000).toISOString(), 'a failed refresh does not move it');
  await manager.refresh();
  assert.deepEqual(events[2]?.failed, []);
  assert.equal(events.length, 3);
});

test('a listener that throws during a background refresh is logged, not an unhandled rejection that would end the process', async () => {
  const logs: LogRecord[] = [];
  const { clock, manager } = setup({ log: (r) => logs.push(r) });
  await manager.initialize();
  manager.on('refresh', () => { throw new Error('listener bug'); });
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  try {
    clock.now += 61_000;
    assert.equal(manager.value('A'), SECRET_A);
    await tick();
    await tick();
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
  assert.deepEqual(unhandled, []);
  assert.ok(logs.some((r) => r.level === 'error' && /listener .* threw .* of A: listener bug/.test(r.message)));
});

test('error events name the secret, and values in them, as in log records, are masked (even a value passed as a name)', async () => {
  const logs: LogRecord[] = [];
  const provider = memoryProvider({ A: SECRET_A });
  const manager = new SecretManager(provider, { retry: { attempts: 1 }, log: (r) => logs.push(r) });
  assert.equal(await manager.get('A'), SECRET_A);
  const errors: ErrorEvent[] = [];
  manager.on('error', (e) => errors.push(e));
  provider.faults.push({ kind: 'throw', error: new CofferError('COFFER_E_UNAVAILABLE', `upstream said: bad token ${SECRET_A}`) });
  await assert.rejects(manager.get('B'));
  assert.deepEqual(errors, [{ name: 'B', code: 'COFFER_E_UNAVAILABLE', message: 'upstream said: bad token [REDACTED:A]' }]);
  // An application passing a value where a name belongs: neither the event nor the log line carries it.
  provider.faults.push({ kind: 'throw', error: unavailable() });
  await assert.rejects(manager.get(SECRET_A));
  const text = JSON.stringify([errors, logs, manager.health(), manager.getAuditLogs()]);
  assert.equal(text.includes(SECRET_A), false);
  assert.ok(manager.getAuditLogs().some((e) => e.name === '[REDACTED:A]' && e.outcome === 'error'));
  assert.equal(errors[1]?.name, '[REDACTED:A]');
  assert.ok(logs.some((r) => r.name === '[REDACTED:A]' && r.message.includes('Secret [REDACTED:A] could not be read')));
});

test('a new version that appears during a slow refresh is what the cache ends up with, announced once', async () => {
  const { provider, clock, manager } = setup();
  await manager.initialize();
  const changes: string[] = [];
  manager.on('change', (e) => changes.push(`${e.name}@${e.version}`));
  clock.now += 61_000;
  provider.faults.push({ kind: 'delay', ms: 30 });
  manager.value('A');
  provider.put('A', 'value-of-a-mid-flight-0000');
  await new Promise((r) => setTimeout(r, 60));
  assert.equal(manager.value('A'), 'value-of-a-mid-flight-0000');
  assert.deepEqual(changes, ['A@2']);
});

test('withFreshOnAuthError refreshes and retries once after an authentication failure, and passes other errors through', async () => {
  const { provider, manager } = setup();
  await manager.initialize();
  provider.put('A', 'value-of-a-new-password-00');
  let attempts = 0;
  const result = await manager.withFreshOnAuthError(async () => {
    attempts += 1;
    if (manager.value('A') !== 'value-of-a-new-password-00') throw Object.assign(new Error('password authentication failed'), { code: '28P01' });
    return 'connected';
  });
  assert.equal(result, 'connected');
  assert.equal(attempts, 2);
  await assert.rejects(manager.withFreshOnAuthError(async () => { throw new Error('boom'); }), /boom/);
});

test('access log and health carry names, sources and versions, never a value', async () => {
  const { manager } = setup({ auditSize: 5 });
  await manager.initialize();
  for (let i = 0; i < 10; i++) manager.value('A');
  const logs = manager.getAuditLogs(100);
  assert.equal(logs.length, 5, 'ring buffer keeps the newest');
  assert.deepEqual(Object.keys(logs[0] ?? {}).sort(), ['action', 'at', 'name', 'outcome', 'source', 'version']);
  assert.match(logs[0]?.at ?? '', /^\d{4}-\d\d-\d\dT/);
  const text = JSON.stringify([logs, manager.health()]);
  for (const value of [SECRET_A, SECRET_B]) assert.equal(text.includes(value), false);
});

test('set() and rotate() announce the new version with change, like a rotation seen by a refresh', async () => {
  const { manager } = setup();
  await manager.initialize();
  const changes: unknown[] = [];
  manager.on('change', (e) => changes.push(e));
  await manager.set('B', 'value-of-b-set-by-app-0000');
  assert.deepEqual(changes, [{ name: 'B', source: 'memory', version: '2', previousVersion: '1' }]);
  const version = await manager.rotate('A', () => 'value-of-a-rotated-by-app-0');
  assert.equal(version, '2');
  assert.deepEqual(changes.slice(1), [{ name: 'A', source: 'memory', version: '2', previousVersion: '1' }]);
  assert.equal(manager.value('A'), 'value-of-a-rotated-by-app-0');
});

test('the access log records every action, failures included: versions, refresh, a refused write or delete, a failed rotation', async () => {
  const { provider, manager } = setup();
  await manager.initialize();
  await manager.refresh();
  await assert.rejects(manager.versions('A'), (e) => isCofferError(e, 'COFFER_E_UNSUPPORTED'));
  provider.set = async () => { throw new CofferError('COFFER_E_ACCESS_DENIED', 'read-only token'); };
  await assert.rejects(manager.set('B', 'value-of-b-refused-0000000'));
  await assert.rejects(manager.rotate('B', () => 'value-of-b-refused-0000001'));
  await assert.rejects(manager.delete('NOPE' as 'A'), (e) => isCofferError(e, 'COFFER_E_NOT_FOUND'));
  const entries = manager.getAuditLogs(100).map(({ action, name, outcome, code }) => [action, name, outcome, code]);
  for (const expected of [
    ['refresh', 'A', 'ok', undefined], ['refresh', 'B', 'ok', undefined],
    ['versions', 'A', 'error', 'COFFER_E_UNSUPPORTED'],
    ['set', 'B', 'error', 'COFFER_E_ACCESS_DENIED'],
    ['rotate', 'B', 'error', 'COFFER_E_ACCESS_DENIED'],
    ['delete', 'NOPE', 'not-found', 'COFFER_E_NOT_FOUND'],
  ]) assert.ok(entries.some((e) => JSON.stringify(e) === JSON.stringify(expected)), `${JSON.stringify(expected)} in ${JSON.stringify(entries)}`);
  assert.equal(JSON.stringify(manager.getAuditLogs(100)).includes('value-of-b-refused'), false);
});

test('set, rotate, delete, list and refresh go through the provider and keep the cache right', async () => {
  const { provider, manager } = setup();
  await manager.initialize();
  await manager.set('B', 'value-of-b-set-by-app-0000');
  assert.equal(manager.value('B'), 'value-of-b-set-by-app-0000');
  const version = await manager.rotate('B', (current) => `${current}-next`);
  assert.equal(version, '3');
  await assert.rejects(manager.rotate('B', (current) => current as string), (e) => isCofferError(e, 'COFFER_E_USAGE'));
  assert.deepEqual((await manager.list()).map((s) => s.name), ['A', 'B']);
  provider.put('A', 'value-of-a-refreshed-00000');
  const refresh = await manager.refresh();
  assert.deepEqual(refresh.changed, ['A']);
  assert.equal(refresh.failed.length, 0);
  await manager.delete('B');
  await assert.rejects(manager.get('B'), (e) => isCofferError(e, 'COFFER_E_NOT_FOUND'));
  await assert.rejects(manager.versions('A'), (e) => isCofferError(e, 'COFFER_E_UNSUPPORTED'));
});

test('clearCache() reloads every secret, keeps serving and healthy meanwhile, and a fetch started before it cannot put an old value back', async () => {
  const { provider, manager } = setup();
  await manager.initialize();
  // A read of A is on the wire (it read the old value) when A is rotated and the cache cleared.
  provider.faults.push({ kind: 'slow', ms: 40 });
  const before = manager.get('A', { bypassCache: true });
  provider.put('A', 'value-of-a-after-clear-000');
  const clearing = manager.clearCache();
  assert.equal(manager.value('A'), SECRET_A, 'value() keeps answering during the reload');
  assert.notEqual(manager.health().status, 'unhealthy');
  assert.equal(await manager.get('A'), 'value-of-a-after-clear-000', 'get() waits for the reload');
  assert.deepEqual((await clearing).failed, []);
  assert.equal(await before, SECRET_A, 'the caller that asked before gets what it read');
  assert.equal(manager.value('A'), 'value-of-a-after-clear-000', 'the old read did not refill the cache');
  assert.equal(manager.health().status, 'healthy');
});

export type { MemoryProvider };

test('references in stored values resolve at load: ${secret:..} through the provider, ${env:..} from the environment; cycles and missing targets are named', async () => {
  const provider = memoryProvider({
    DATABASE_URL: 'postgres://app:${secret:DB_PASSWORD}@${env:DB_HOST}/app',
    DB_PASSWORD: 'pw-${secret:PEPPER}-91ab3c',
    PEPPER: 'pepper77',
    LITERAL: 'keep $${secret:NOT_A_REF} as is',
    LOOP_A: '${secret:LOOP_B}',
    LOOP_B: 'x${secret:LOOP_A}',
    DANGLING: '${secret:NOWHERE}',
  });
  const manager = new SecretManager(provider, { env: { DB_HOST: 'db.internal' } });
  assert.equal(await manager.get('DATABASE_URL'), 'postgres://app:pw-pepper77-91ab3c@db.internal/app');
  assert.equal(await manager.get('LITERAL'), 'keep ${secret:NOT_A_REF} as is');
  await assert.rejects(manager.get('LOOP_A'), (e) => isCofferError(e, 'COFFER_E_REFERENCE_CYCLE') && /LOOP_A -> LOOP_B -> LOOP_A/.test(e.message));
  await assert.rejects(manager.get('DANGLING'), (e) => isCofferError(e, 'COFFER_E_REFERENCE_MISSING') && e.message.includes('NOWHERE'));
  assert.equal(JSON.stringify(manager.health()).includes('pepper77'), false);
});

test('redact() masks every value the manager holds, in any log line, and follows rotations', async () => {
  const { provider, manager } = setup();
  await manager.initialize();
  const line = `connecting with ${SECRET_A} and ${encodeURIComponent(SECRET_B)} at level info`;
  const masked = manager.redact(line);
  assert.equal(masked.includes(SECRET_A) || masked.includes(SECRET_B), false);
  assert.match(masked, /\[REDACTED:A\]/);
  provider.put('A', 'value-of-a-after-rotation-1');
  await manager.refresh();
  assert.equal(manager.redact('new value-of-a-after-rotation-1 here').includes('value-of-a-after-rotation-1'), false);
});

test('past the maximum staleness reads fail, health is unhealthy, and the first successful refresh serves again', async () => {
  const { provider, clock, manager } = setup({ maxStalenessMs: 60_000, retry: { attempts: 1 } });
  await manager.initialize();
  clock.now += 130_000;
  provider.faults.push({ kind: 'throw', error: unavailable() });
  // Nothing has failed yet: the first read serves the old value and starts the refresh that fails.
  assert.equal(manager.value('A'), SECRET_A);
  await tick();
  assert.throws(() => manager.value('A'), (e) => isCofferError(e, 'COFFER_E_UNAVAILABLE'));
  assert.equal(manager.health().status, 'unhealthy');
  assert.equal(manager.health().secrets.A?.loaded, false);
  // The provider is back: the refresh that value() started (or the next get) serves again.
  assert.equal(await manager.get('A'), SECRET_A);
  assert.equal(manager.value('A'), SECRET_A);
});

test('a value nobody read for longer than the maximum staleness is refreshed by its next read, not withdrawn unread', async () => {
  const { provider, clock, manager } = setup({ maxStalenessMs: 60_000 });
  await manager.initialize();
  clock.now += 10 * 60_000;
  assert.equal(manager.health().status, 'healthy', 'an idle value past the staleness limit is not a failure');
  assert.equal(manager.health().secrets.A?.loaded, true);
  provider.put('A', 'value-of-a-rotated-while-idle-1');
  assert.equal(manager.value('A'), SECRET_A, 'served once while the read refreshes it');
  await tick();
  assert.equal(manager.value('A'), 'value-of-a-rotated-while-idle-1');
  clock.now += 10 * 60_000;
  assert.equal(await manager.get('A'), 'value-of-a-rotated-while-idle-1');
});

test('a required secret never reads as undefined: not cached as missing, and kept when it vanishes at the provider', async () => {
  const { provider, manager } = setup();
  provider.values.delete('A');
  await assert.rejects(manager.get('A'), (e) => isCofferError(e, 'COFFER_E_NOT_FOUND'));
  await assert.rejects(manager.get('A'), (e) => isCofferError(e, 'COFFER_E_NOT_FOUND'), 'the second read is not a cached undefined');
  provider.put('A', SECRET_A);
  await manager.initialize();
  provider.values.delete('A');
  const refresh = await manager.refresh();
  assert.deepEqual(refresh.failed, ['A']);
  assert.equal(manager.value('A'), SECRET_A, 'last good value kept');
});

test('bypassCache reads the provider; a write is not undone by a fetch that started before it', async () => {
  const { provider, manager } = setup();
  await manager.initialize();
  provider.put('A', 'value-of-a-changed-outside');
  assert.equal(await manager.get('A'), SECRET_A);
  assert.equal(await manager.get('A', { bypassCache: true }), 'value-of-a-changed-outside');
  // A slow refresh is in flight when the app writes a new value.
  provider.faults.push({ kind: 'delay', ms: 40 });
  const refreshing = manager.refresh();
  await manager.set('A', 'value-of-a-written-by-app');
  await refreshing;
  assert.equal(manager.value('A'), 'value-of-a-written-by-app');
});
