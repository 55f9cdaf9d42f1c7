/**
 * `coffer diff A B`: drift between two endpoints (environments, providers, files, the process
 * environment). Every name on either side is compared by digest; differing values are shown as
 * fingerprints, HMAC-SHA256 under a key drawn at random for this comparison only, so the output
 * shows which values match without giving anything to guess a value from (a plain hash of a
 * weak value could be reversed offline), and fingerprints from two runs cannot be joined.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { CofferError } from '../core/errors.js';
import type { Config } from '../config/resolve.js';
import type { AccessOptions } from './_environment.js';
import { openEndpoint } from './_endpoint.js';
import { sameValue } from './transfer.js';

/** How one name compares. */
export interface DiffEntry {
  readonly name: string;
  readonly state: 'only-a' | 'only-b' | 'differ' | 'same';
  /** Fingerprint of A's value (16 hex digits), where A has it. */
  readonly a?: string;
  readonly b?: string;
}

/** The comparison. */
export interface DiffResult {
  readonly a: string;
  readonly b: string;
  readonly entries: readonly DiffEntry[];
  /** True when anything is missing on one side or differs. */
  readonly drift: boolean;
}

/** Compares `a` and `b` (optionally only `names`, or names starting with `prefix`). */
export async function diffEndpoints(request: { a: string; b: string; config?: Config; cwd: string; names?: readonly string[]; prefix?: string; access?: AccessOptions }): Promise<DiffResult> {
  if (request.a === request.b) throw new CofferError('COFFER_E_USAGE', `Both sides are "${request.a}"; name two different endpoints.`);
  const key = randomBytes(32);
  const fingerprint = (value: string) => createHmac('sha256', key).update(value).digest('hex').slice(0, 16);
  const a = await openEndpoint(request.a, request.config, request.cwd, request.access);
  try {
    const b = await openEndpoint(request.b, request.config, request.cwd, request.access);
    try {
      const [listA, listB] = await Promise.all([a.provider.list(), b.provider.list()]);
      const keep = (name: string) => (request.names === undefined || request.names.includes(name)) && (request.prefix === undefined || name.startsWith(request.prefix));
      const inA = new Set(listA.map((s) => s.name).filter(keep));
      const inB = new Set(listB.map((s) => s.name).filter(keep));
      const entries: DiffEntry[] = [];
      for (const name of [...new Set([...inA, ...inB])].sort()) {
        const va = inA.has(name) ? (await a.provider.get(name)).value : undefined;
        const vb = inB.has(name) ? (await b.provider.get(name)).value : undefined;
        const state = va === undefined ? 'only-b' : vb === undefined ? 'only-a' : sameValue(va, vb) ? 'same' : 'differ';
        entries.push({ name, state, ...(va !== undefined && state !== 'same' ? { a: fingerprint(va) } : {}), ...(vb !== undefined && state !== 'same' ? { b: fingerprint(vb) } : {}) });
      }
      return { a: a.label, b: b.label, entries, drift: entries.some((e) => e.state !== 'same') };
    } finally {
      await b.provider.close();
    }
  } finally {
    await a.provider.close();
  }
}
