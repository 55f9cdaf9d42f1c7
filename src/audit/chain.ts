/**
 * The audit chain: every entry carries an HMAC over its own fields and the previous entry's
 * HMAC, keyed with a secret only the store's master key can unseal. Editing, removing or
 * reordering an entry breaks the chain from that point; without the key the chain cannot be
 * recomputed to hide it. Entries never hold a value (DESIGN.md invariant 1).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** What happened; never a value. */
export interface AuditFields {
  /** ISO 8601 time. */
  readonly at: string;
  /** Who: OS user, token name or `coffer` for internal work. */
  readonly actor: string;
  /** read, write, stage, unstage, delete, restore, destroy, export, import, key-rotate, decrypt-failed, ... */
  readonly action: string;
  readonly env: string | null;
  readonly name: string | null;
  readonly version: number | null;
  /** ok, denied, conflict, failed, ... */
  readonly outcome: string;
  /** Value-free detail (a stage name, a count, a reason). */
  readonly detail: string | null;
}

/** A stored entry: its sequence number, fields and chain MAC. */
export interface AuditEntry extends AuditFields {
  readonly seq: number;
  readonly mac: Uint8Array;
}

/** The chain MAC of an entry following `previous` (empty for the first entry). */
export function chainMac(key: Uint8Array, previous: Uint8Array, seq: number, fields: AuditFields): Buffer {
  // A JSON array of fixed order is an unambiguous encoding of the fields.
  const body = JSON.stringify([seq, fields.at, fields.actor, fields.action, fields.env, fields.name, fields.version, fields.outcome, fields.detail]);
  return createHmac('sha256', key).update(previous).update(body).digest();
}

/** The result of {@link verifyChain}. */
export type ChainVerdict =
  | { readonly ok: true; readonly entries: number }
  | { readonly ok: false; readonly entries: number; readonly firstBadSeq: number; readonly reason: 'edited' | 'removed-or-reordered' };

/**
 * Checks a chain given in sequence order: each MAC must match and sequence numbers must run
 * without gaps from the first. Returns the first entry where the chain breaks.
 */
export function verifyChain(key: Uint8Array, entries: Iterable<AuditEntry>): ChainVerdict {
  let previous: Uint8Array = Buffer.alloc(0);
  let expectedSeq: number | undefined;
  let count = 0;
  for (const entry of entries) {
    count += 1;
    if (expectedSeq !== undefined && entry.seq !== expectedSeq) {
      return { ok: false, entries: count, firstBadSeq: Math.min(entry.seq, expectedSeq), reason: 'removed-or-reordered' };
    }
    const mac = chainMac(key, previous, entry.seq, entry);
    if (mac.length !== entry.mac.byteLength || !timingSafeEqual(mac, entry.mac)) {
      return { ok: false, entries: count, firstBadSeq: entry.seq, reason: 'edited' };
    }
    previous = entry.mac;
    expectedSeq = entry.seq + 1;
  }
  return { ok: true, entries: count };
}
