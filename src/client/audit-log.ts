/**
 * The SecretManager's in-memory access log: a ring buffer of the most recent accesses (time,
 * action, secret, source, outcome; never a value), so `getAuditLogs(n)` and health endpoints can
 * show what happened without any I/O. When the embedded store is the provider, its own chained
 * audit log records the same reads durably.
 */

/** One access, value-free. */
export interface AccessEntry {
  /** ISO 8601 time. */
  readonly at: string;
  /**
   * get (a read: from cache, or from the provider on a miss, for `initialize`, `preload`, or a
   * version or stage), refresh (a read from the provider by `refresh()`, `clearCache()`, a
   * background refresh of a stale value or `withFreshOnAuthError`), set, delete, rotate, list,
   * versions. Failures are recorded too, with outcome `error` (or `not-found`) and the code.
   */
  readonly action: string;
  readonly name?: string;
  /** The provider that answered (or was asked). */
  readonly source: string;
  /** ok, cache (served from cache), stale (served past its TTL), not-found, error. */
  readonly outcome: string;
  /** The version served, where the provider has versions. */
  readonly version?: string;
  /** The error code, when the outcome is an error. */
  readonly code?: string;
}

/** A ring slot, overwritten in place so recording an access allocates nothing. */
interface Slot {
  at: number;
  action: string;
  name: string | undefined;
  source: string;
  outcome: string;
  version: string | undefined;
  code: string | undefined;
}

/** A fixed-size ring buffer of access entries. */
export class AccessLog {
  private readonly slots: Slot[];
  private next = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    this.slots = Array.from({ length: Math.max(1, capacity) }, () => ({ at: 0, action: '', name: undefined, source: '', outcome: '', version: undefined, code: undefined }));
  }

  /** Records an access, overwriting the oldest when full. `at` is in ms since the epoch. */
  add(at: number, action: string, name: string | undefined, source: string, outcome: string, version?: string, code?: string): void {
    const slot = this.slots[this.next] as Slot;
    slot.at = at;
    slot.action = action;
    slot.name = name;
    slot.source = source;
    slot.outcome = outcome;
    slot.version = version;
    slot.code = code;
    this.next = (this.next + 1) % this.slots.length;
    if (this.count < this.slots.length) this.count += 1;
  }

  /** The newest `n` entries (all by default), oldest first. */
  recent(n = this.count): AccessEntry[] {
    const take = Math.max(0, Math.min(n, this.count));
    const out: AccessEntry[] = [];
    for (let i = take; i > 0; i--) {
      const s = this.slots[(this.next - i + this.slots.length) % this.slots.length] as Slot;
      out.push({
        at: new Date(s.at).toISOString(), action: s.action, source: s.source, outcome: s.outcome,
        ...(s.name !== undefined ? { name: s.name } : {}), ...(s.version !== undefined ? { version: s.version } : {}), ...(s.code !== undefined ? { code: s.code } : {}),
      });
    }
    return out;
  }
}
