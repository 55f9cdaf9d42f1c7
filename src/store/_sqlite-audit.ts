/**
 * The store's audit log in SQLite: appends hash-chained entries (see audit/chain.ts), lists
 * them with filters, and verifies the chain including that nothing was cut off its end.
 *
 * Writes, deletes and key operations append their entry inside their own transaction, so the
 * change and its record commit together. Reads are group-committed: their entries are queued,
 * identical reads (same actor, environment, secret, version and outcome) within one batch are
 * coalesced into one entry that carries the count and the time of the last one, and the batch
 * is appended in one transaction after at most READ_FLUSH_MS (or READ_BATCH distinct entries),
 * and always before the next write, listing, verification or close, so the chain keeps the
 * order in which things happened. A batch is committed with synchronous=NORMAL under WAL: it
 * survives a crash of the process and is fsynced by the next fully synced write. What a crash
 * can lose is the audit of the reads of the last few milliseconds, never a write or its entry;
 * this is what lets a read cost a small multiple of a decrypt instead of a disk transaction.
 */
import type Database from 'better-sqlite3';
import { chainMac, verifyChain, type AuditEntry, type AuditFields, type ChainVerdict } from '../audit/chain.js';
import type { AuditFilter } from './types.js';

/** Reads queued before a batch is committed. */
export const READ_BATCH = 512;
/** Longest time a queued read entry waits for its batch. */
export const READ_FLUSH_MS = 25;

type Row = Record<string, unknown>;

/** The audit log of one open store connection. */
export class SqliteAuditLog {
  private queue = new Map<string, { fields: Omit<AuditFields, 'at'>; count: number; firstMs: number; lastMs: number }>();
  private queuedSince = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly lastStmt: Database.Statement;
  private readonly insertStmt: Database.Statement;
  private readonly headStmt: Database.Statement;
  private readonly onExit = () => this.flushQuietly();

  constructor(private readonly db: Database.Database, private readonly macKey: Uint8Array) {
    this.lastStmt = db.prepare('SELECT seq, mac FROM audit ORDER BY seq DESC LIMIT 1');
    this.insertStmt = db.prepare('INSERT INTO audit (seq, at, actor, action, env, name, version, outcome, detail, mac) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
    this.headStmt = db.prepare("INSERT INTO meta (key, value) VALUES ('audit_head', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value");
    // A process that exits normally (even through process.exit) commits its queued read entries.
    process.on('exit', this.onExit);
  }

  /**
   * Appends `fields` inside the caller's transaction, so the change and its record commit or roll
   * back together. Call {@link flush} before opening that transaction, so queued reads come first.
   */
  append(fields: AuditFields): void {
    this.write([fields]);
  }

  /** Queues a read's entry for the next batch; `nowMs` is the time of the read. */
  defer(fields: Omit<AuditFields, 'at'>, nowMs: number): void {
    const key = `${fields.actor}\0${fields.env}\0${fields.name}\0${fields.version}\0${fields.outcome}`;
    const queued = this.queue.get(key);
    if (queued !== undefined) {
      queued.count += 1;
      queued.lastMs = nowMs;
    } else {
      if (this.queue.size === 0) this.queuedSince = nowMs;
      this.queue.set(key, { fields, count: 1, firstMs: nowMs, lastMs: nowMs });
    }
    // Time-bounded even when the event loop is busy and the timer cannot fire.
    if (this.queue.size >= READ_BATCH || nowMs - this.queuedSince >= READ_FLUSH_MS) this.flush();
    else this.timer ??= setTimeout(() => this.flushQuietly(), READ_FLUSH_MS).unref();
  }

  /** Commits the queued read entries now. */
  flush(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.queue.size === 0) return;
    const batch = this.queue;
    this.queue = new Map();
    const entries = [...batch.values()].map(({ fields, count, firstMs, lastMs }) => ({
      ...fields, at: new Date(firstMs).toISOString(), ...(count === 1 ? {} : { detail: `${count} reads, last at ${new Date(lastMs).toISOString()}` }),
    }));
    this.db.pragma('synchronous = NORMAL');
    try {
      this.db.transaction(() => this.write(entries)).immediate();
    } catch (error) {
      for (const [key, value] of this.queue) batch.set(key, value);
      this.queue = batch;
      throw error;
    } finally {
      this.db.pragma('synchronous = FULL');
    }
  }

  /** Entries in sequence order, filtered. */
  entries(filter: AuditFilter = {}): AuditEntry[] {
    this.flush();
    const where: string[] = ['seq > ?'];
    const args: unknown[] = [filter.afterSeq ?? 0];
    for (const [column, value] of [['env', filter.env], ['name', filter.name], ['action', filter.action]] as const) {
      if (value !== undefined) {
        where.push(`${column} = ?`);
        args.push(value);
      }
    }
    if (filter.since !== undefined) {
      where.push('at >= ?');
      args.push(filter.since);
    }
    const base = `SELECT * FROM audit WHERE ${where.join(' AND ')}`;
    const sql = filter.limit === undefined ? `${base} ORDER BY seq` : `SELECT * FROM (${base} ORDER BY seq DESC LIMIT ?) ORDER BY seq`;
    if (filter.limit !== undefined) args.push(filter.limit);
    return (this.db.prepare(sql).all(...args) as Row[]).map(toAuditEntry);
  }

  /** Verifies the whole chain, including that its end matches the recorded head. */
  verify(): ChainVerdict {
    this.flush();
    const entries = this.db.prepare('SELECT * FROM audit ORDER BY seq').iterate() as IterableIterator<Row>;
    let last = 0;
    const verdict = verifyChain(this.macKey, mapIterable(entries, (row) => {
      const entry = toAuditEntry(row);
      last = entry.seq;
      return entry;
    }));
    if (!verdict.ok) return verdict;
    const head = this.db.prepare("SELECT value FROM meta WHERE key = 'audit_head'").get() as { value: string } | undefined;
    if ((head?.value ?? '0') !== String(last)) return { ok: false, entries: verdict.entries, firstBadSeq: last + 1, reason: 'removed-or-reordered' };
    return verdict;
  }

  /** Commits what is queued and stops listening for process exit. */
  close(): void {
    try {
      this.flush();
    } finally {
      process.off('exit', this.onExit);
    }
  }

  private write(batch: readonly AuditFields[]): void {
    if (batch.length === 0) return;
    const last = this.lastStmt.get() as { seq: number; mac: Buffer } | undefined;
    let seq = last?.seq ?? 0;
    let previous: Uint8Array = last?.mac ?? Buffer.alloc(0);
    for (const fields of batch) {
      seq += 1;
      const entryMac = chainMac(this.macKey, previous, seq, fields);
      this.insertStmt.run(seq, fields.at, fields.actor, fields.action, fields.env, fields.name, fields.version, fields.outcome, fields.detail, entryMac);
      previous = entryMac;
    }
    this.headStmt.run(String(seq));
  }

  /** Timer and exit-time flushes have no caller to report to; a later flush retries what is left. */
  private flushQuietly(): void {
    try {
      this.flush();
    } catch {
      // Kept queued: the next write, listing or close commits it or reports the failure.
    }
  }
}

function* mapIterable<A, B>(items: Iterable<A>, f: (a: A) => B): Iterable<B> {
  for (const item of items) yield f(item);
}

function toAuditEntry(r: Row): AuditEntry {
  return {
    seq: r.seq as number, at: r.at as string, actor: r.actor as string, action: r.action as string, env: (r.env as string | null) ?? null,
    name: (r.name as string | null) ?? null, version: (r.version as number | null) ?? null, outcome: r.outcome as string, detail: (r.detail as string | null) ?? null, mac: r.mac as Buffer,
  };
}
