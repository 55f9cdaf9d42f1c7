/**
 * Test provider: an in-memory Provider with versions whose behaviour the test scripts call by
 * call (throw a given error, hang, answer slowly), and which counts its calls. It implements the
 * Provider contract itself; nothing of a real SDK is stubbed.
 */
import { CofferError } from '../../src/core/errors.js';
import type { Provider, SecretRecord } from '../../src/providers/types.js';

/**
 * What the next `get` calls do, in order; when empty, they answer normally. `delay` reads the
 * value after waiting (a change made meanwhile is what it returns); `slow` reads it at once and
 * answers after waiting (what a slow network returns: the value as it was when asked).
 */
export type Fault = { kind: 'throw'; error: unknown } | { kind: 'hang' } | { kind: 'delay'; ms: number } | { kind: 'slow'; ms: number };

/** A scriptable in-memory provider. */
export interface MemoryProvider extends Provider {
  values: Map<string, { value: string; version: number }>;
  faults: Fault[];
  calls: number;
  put(name: string, value: string): void;
}

/** Creates a provider holding `initial`. */
export function memoryProvider(initial: Record<string, string> = {}): MemoryProvider {
  const values = new Map(Object.entries(initial).map(([name, value]) => [name, { value, version: 1 }]));
  const provider: MemoryProvider = {
    id: 'memory',
    location: 'memory',
    capabilities: { write: true, list: true, versions: false, stages: false, metadata: true, persistent: false },
    values,
    faults: [],
    calls: 0,
    put(name, value) {
      const current = values.get(name);
      values.set(name, { value, version: (current?.version ?? 0) + 1 });
    },
    async get(name): Promise<SecretRecord> {
      provider.calls += 1;
      const fault = provider.faults.shift();
      if (fault?.kind === 'throw') throw fault.error;
      if (fault?.kind === 'hang') await new Promise(() => {});
      // Read the value after the delay, so a change made meanwhile is what a slow call returns.
      if (fault?.kind === 'delay') await new Promise((r) => setTimeout(r, fault.ms));
      const entry = values.get(name);
      if (fault?.kind === 'slow') await new Promise((r) => setTimeout(r, fault.ms));
      if (entry === undefined) throw new CofferError('COFFER_E_NOT_FOUND', `Secret ${name} is not in memory.`);
      return { name, value: entry.value, metadata: { version: String(entry.version) } };
    },
    async list() {
      return [...values.keys()].sort().map((name) => ({ name, metadata: {} }));
    },
    async set(name, value) {
      provider.put(name, value);
    },
    async setMany(writes) {
      for (const w of writes) provider.put(w.name, w.value);
    },
    async delete(name) {
      if (!values.delete(name)) throw new CofferError('COFFER_E_NOT_FOUND', `Secret ${name} is not in memory.`);
    },
    async close() {},
  };
  return provider;
}
