/**
 * `coffer status` from a secret's metadata and its open rotation: the levels ok, warning,
 * critical, overdue, unknown, missing; a grace period that ended without being finalized; an
 * encryption key's old key held live until --finalize.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveConfig } from '../../src/config/resolve.js';
import { openRotationOf, statusOf } from '../../src/rotation/status.js';
import type { JournalEntry } from '../../src/rotation/journal.js';

const config = resolveConfig({ version: 1, environments: { production: {} }, secrets: { JWT_SECRET: { category: 'jwt' } } }, '/p/coffer.config.json');
const secret = config.secrets[0] as (typeof config.secrets)[number];
const now = new Date('2026-06-01T12:00:00.000Z');
const dueIn = (days: number) => ({ rotateBy: new Date(now.getTime() + days * 86_400_000 + 3_600_000).toISOString(), updatedAt: '2026-03-01T00:00:00.000Z' });

test('levels follow the days left: ok above 30, warning at 30 or fewer, critical at 7 or fewer, overdue past the date', () => {
  assert.equal(statusOf(secret, dueIn(31), now).level, 'ok');
  assert.equal(statusOf(secret, dueIn(30), now).level, 'warning');
  assert.equal(statusOf(secret, dueIn(7), now).level, 'critical');
  assert.equal(statusOf(secret, dueIn(0), now).level, 'critical');
  const overdue = statusOf(secret, dueIn(-3), now);
  assert.equal(overdue.level, 'overdue');
  assert.equal(overdue.daysLeft, -3);
  assert.equal(overdue.ageDays, 92);
  assert.equal(overdue.lastRotation, '2026-03-01T00:00:00.000Z');
});

test('without rotateBy the due date is the last rotation plus the period; no metadata is unknown; no secret is missing', () => {
  const row = statusOf(secret, { updatedAt: '2026-05-01T00:00:00.000Z' }, now);
  assert.equal(row.dueDate, new Date(Date.parse('2026-05-01T00:00:00.000Z') + secret.rotationDays * 86_400_000).toISOString());
  assert.equal(statusOf(secret, {}, now).level, 'unknown');
  assert.equal(statusOf(secret, undefined, now).level, 'missing');
});

const journal = (graceUntil: string, phase: JournalEntry['phase'] = 'finished'): JournalEntry => ({
  format: 1, token: 't', environment: 'production', name: 'JWT_SECRET', rotator: 'jwt', phase, fromVersion: '3', pendingVersion: '4',
  graceMs: 3_600_000, compromised: false, startedAt: '2026-06-01T10:00:00.000Z', updatedAt: '2026-06-01T10:00:00.000Z', graceUntil,
});

test('a grace period that ended but was never finalized is flagged with its end and the command to run; one still running is not', () => {
  const ended = openRotationOf(secret, journal('2026-06-01T11:00:00.000Z'), 'production', now);
  assert.equal(ended.graceEnded, '2026-06-01T11:00:00.000Z');
  assert.equal(ended.rotation, 'grace ended 2026-06-01T11:00:00.000Z, not finalized: the old value (version 3) is still valid; run `coffer rotate production --finalize JWT_SECRET`');
  const running = openRotationOf(secret, journal('2026-06-01T13:00:00.000Z'), 'production', now);
  assert.deepEqual(running, { rotation: 'grace until 2026-06-01T13:00:00.000Z' });
  assert.deepEqual(openRotationOf(secret, journal('2026-06-01T11:00:00.000Z', 'setting'), 'production', now), { rotation: 'interrupted at setting' });
});

test('an encryption key without a retireCheck says its old key stays live until --finalize, during and after the grace period', () => {
  const keys = resolveConfig({ version: 1, environments: { production: {} }, secrets: { DATA_KEY: { category: 'encryption' }, CHECKED_KEY: { category: 'encryption', rotation: { options: { retireCheck: ['true'] } } } } }, '/p/coffer.config.json');
  const [data, checked] = keys.secrets as [typeof secret, typeof secret];
  const during = openRotationOf(data, { ...journal('2026-06-01T13:00:00.000Z'), name: 'DATA_KEY' }, 'production', now);
  assert.equal(during.heldUntilFinalize, true);
  assert.match(during.rotation ?? '', /^grace until 2026-06-01T13:00:00\.000Z; after that old key version 3 stays live \(no retireCheck\): re-encrypt its data, then `coffer rotate production --finalize DATA_KEY`$/);
  const after = openRotationOf(data, { ...journal('2026-06-01T11:00:00.000Z'), name: 'DATA_KEY' }, 'production', now);
  assert.equal(after.graceEnded, '2026-06-01T11:00:00.000Z');
  assert.match(after.rotation ?? '', /^grace ended .*; old key version 3 stays live/);
  assert.equal(openRotationOf(checked, { ...journal('2026-06-01T11:00:00.000Z'), name: 'CHECKED_KEY' }, 'production', now).heldUntilFinalize, undefined);
});
