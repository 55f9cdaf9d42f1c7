import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chainMac, verifyChain, type AuditEntry, type AuditFields } from '../../src/audit/chain.js';

const key = randomBytes(32);
function build(n: number): AuditEntry[] {
  const entries: AuditEntry[] = [];
  let prev: Uint8Array = Buffer.alloc(0);
  for (let seq = 1; seq <= n; seq++) {
    const fields: AuditFields = { at: `2026-11-23T00:00:0${seq % 10}Z`, actor: 'ci', action: 'read', env: 'production', name: `S${seq}`, version: seq, outcome: 'ok', detail: null };
    const mac = chainMac(key, prev, seq, fields);
    entries.push({ ...fields, seq, mac });
    prev = mac;
  }
  return entries;
}

test('an intact chain verifies; each kind of tampering names the first bad entry', () => {
  assert.deepEqual(verifyChain(key, build(5)), { ok: true, entries: 5 });
  const edited = build(5).map((e) => (e.seq === 3 ? { ...e, outcome: 'denied' } : e));
  assert.deepEqual(verifyChain(key, edited), { ok: false, entries: 3, firstBadSeq: 3, reason: 'edited' });
  const removed = build(5).filter((e) => e.seq !== 2);
  assert.deepEqual(verifyChain(key, removed), { ok: false, entries: 2, firstBadSeq: 2, reason: 'removed-or-reordered' });
  const chain = build(5);
  const swapped = [chain[0], chain[2], chain[1], chain[3], chain[4]] as AuditEntry[];
  assert.equal(verifyChain(key, swapped).ok, false);
  const renumbered = build(5).map((e) => (e.seq === 4 ? { ...e, seq: 40 } : e));
  assert.equal(verifyChain(key, renumbered).ok, false);
  assert.equal(verifyChain(randomBytes(32), build(2)).ok, false, 'another key cannot vouch for the chain');
});
