/**
 * What has gone wrong for a SecretManager, for its health report: the errors counted since the
 * manager was created, and per secret the last failed fetch, kept until that secret's own next
 * successful fetch. A success of another secret clears nothing: one counter that any success
 * reset let a failed refresh read as `healthy` with zero errors while its stale value was served.
 * Codes and times only; never a message or a value.
 */

/** The last failed fetch of one secret. */
export interface SecretError {
  /** The error code (COFFER_E_...). */
  readonly code: string;
  /** When it failed, in ms since the epoch. */
  readonly at: number;
}

/** Error bookkeeping of one manager; see the module comment. */
export class ErrorState {
  /** Errors since the manager was created: failed provider calls, and failed fetches not caused by one. */
  count = 0;
  lastCode: string | null = null;
  lastAt: number | undefined;
  /** Secrets whose last fetch failed, with how. */
  readonly bySecret = new Map<string, SecretError>();
  // Errors already counted (by the provider call that threw them), so a fetch does not count them twice.
  private readonly counted = new WeakSet<object>();

  /** Counts `error` once, however many layers report it. */
  add(error: unknown, code: string, at: number): void {
    if (typeof error === 'object' && error !== null) {
      if (this.counted.has(error)) return;
      this.counted.add(error);
    }
    this.count += 1;
    this.lastCode = code;
    this.lastAt = at;
  }

  /** Records a failed fetch of `name`; true when the secret was fine before (a state change worth one log line). */
  secretFailed(name: string, code: string, at: number): boolean {
    const before = this.bySecret.has(name);
    this.bySecret.set(name, { code, at });
    return !before;
  }

  /** Records a successful fetch of `name`; returns the failure it ends, if any. */
  secretSucceeded(name: string): SecretError | undefined {
    const before = this.bySecret.get(name);
    if (before !== undefined) this.bySecret.delete(name);
    return before;
  }
}
