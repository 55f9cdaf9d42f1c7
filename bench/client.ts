/**
 * SecretManager read benchmark: a cached `value()` (the synchronous hot path) and a cached
 * `await get()`, against reading `process.env.X` and a plain `Map.get`, measured in the same run.
 * Aim (issue 4): a cached read costs less than a process.env read.
 * Run with `node --import tsx bench/client.ts`; READS sets the count (default 2,000,000).
 */
import { SecretManager } from '../src/client/manager.js';
import { defineSecrets } from '../src/client/schema.js';
import createEnvProvider from '../src/providers/env.js';

const READS = Number(process.env.READS ?? 2_000_000);
const env: Record<string, string> = { BENCH_SECRET: 'x'.repeat(64) };
process.env.BENCH_SECRET = env.BENCH_SECRET;
const manager = new SecretManager(createEnvProvider({}, { env }), { schema: defineSecrets({ BENCH_SECRET: {} }) });
await manager.initialize();
const map = new Map(Object.entries(env));

let sink = 0;
function nsPerOp(label: string, fn: () => string | undefined): number {
  for (let i = 0; i < 100_000; i++) sink += fn()?.length ?? 0; // warm up
  const start = process.hrtime.bigint();
  for (let i = 0; i < READS; i++) sink += fn()?.length ?? 0;
  const ns = Number(process.hrtime.bigint() - start) / READS;
  console.log(`${label.padEnd(32)} ${ns.toFixed(1)} ns/op`);
  return ns;
}
async function nsPerAsyncOp(label: string, fn: () => Promise<string | undefined>): Promise<number> {
  const n = READS / 10;
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) sink += (await fn())?.length ?? 0;
  const ns = Number(process.hrtime.bigint() - start) / n;
  console.log(`${label.padEnd(32)} ${ns.toFixed(1)} ns/op`);
  return ns;
}

const envNs = nsPerOp('process.env.BENCH_SECRET', () => process.env.BENCH_SECRET);
const mapNs = nsPerOp('Map.get', () => map.get('BENCH_SECRET'));
const valueNs = nsPerOp('manager.value (cached)', () => manager.value('BENCH_SECRET'));
const getNs = await nsPerAsyncOp('await manager.get (cached)', () => manager.get('BENCH_SECRET'));
console.log(`value(): ${(valueNs / envNs).toFixed(2)}x process.env, ${(valueNs / mapNs).toFixed(1)}x Map.get; await get(): ${(getNs / envNs).toFixed(2)}x process.env (aim: below 1x)`);
if (sink === -1) console.log(sink);
