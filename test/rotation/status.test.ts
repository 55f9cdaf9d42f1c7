/** Rotation levels of `coffer status` from a secret's metadata: ok, warning, critical, overdue, unknown, missing. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveConfig } from '../../src/config/resolve.js';
import { statusOf } from '../../src/rotation/status.js';

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
