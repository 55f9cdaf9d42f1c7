/**
 * Store benchmark: in-process writes and reads of 64-byte secrets through the SQLite store,
 * printed beside raw AES-256-GCM decrypts of the same values measured in the same run (the
 * ceiling: what a read costs with no storage, audit or key lookup at all).
 *
 * Aims (issue 3): reads within 3x of the raw decrypt; durable writes above 1,000/s here.
 * Counts: STORE_BENCH_WRITES (default 10,000) and STORE_BENCH_READS (default 100,000).
 * Run with `node --import tsx bench/store.ts`.
 */
import { createDecipheriv, createCipheriv, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../src/store/sqlite-store.js';

const WRITES = Number(process.env.STORE_BENCH_WRITES ?? 10_000);
const READS = Number(process.env.STORE_BENCH_READS ?? 100_000);
const NAMES = 100;

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))] as number;
function report(label: string, samples: number[]): number {
  const total = samples.reduce((a, b) => a + b, 0);
  const opsPerSec = samples.length / (total / 1000);
  console.log(`${label}: ${samples.length} ops, ${opsPerSec.toFixed(0)} ops/s, p50 ${(pct(samples, 0.5) * 1000).toFixed(1)} us, p99 ${(pct(samples, 0.99) * 1000).toFixed(1)} us`);
  return opsPerSec;
}
const time = (fn: () => unknown): number => {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
};

const dir = mkdtempSync(join(tmpdir(), 'coffer-store-bench-'));
try {
  const store = await openSqliteStore({ path: join(dir, 'store.db'), env: { COFFER_MASTER_KEY: randomBytes(32).toString('hex') }, create: true });
  const values = Array.from({ length: NAMES }, () => randomBytes(48).toString('base64'));
  const writes: number[] = [];
  for (let i = 0; i < WRITES; i++) {
    const start = process.hrtime.bigint();
    await store.put('bench', `SECRET_${i % NAMES}`, values[i % NAMES] as string, { actor: 'bench' });
    writes.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  const reads: number[] = [];
  for (let i = 0; i < READS; i++) {
    const start = process.hrtime.bigint();
    await store.get('bench', `SECRET_${i % NAMES}`, { actor: 'bench' });
    reads.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  store.close();

  // The ceiling: decrypting the same 64-byte values with AES-256-GCM and nothing else.
  const key = randomBytes(32);
  const sealed = values.map((v) => {
    const nonce = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', key, nonce);
    const body = Buffer.concat([c.update(v), c.final()]);
    return { nonce, body, tag: c.getAuthTag() };
  });
  const raw: number[] = [];
  for (let i = 0; i < READS; i++) {
    const s = sealed[i % NAMES] as (typeof sealed)[number];
    raw.push(time(() => {
      const d = createDecipheriv('aes-256-gcm', key, s.nonce);
      d.setAuthTag(s.tag);
      Buffer.concat([d.update(s.body), d.final()]);
    }));
  }
  const w = report('store writes (synchronous=FULL, audited)', writes);
  const r = report('store reads (audited)', reads);
  const c = report('raw AES-256-GCM decrypts (ceiling)', raw);
  console.log(`reads cost ${(c / r).toFixed(1)}x the raw decrypt (aim <= 3x); writes ${w.toFixed(0)}/s (aim >= 1,000/s)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
