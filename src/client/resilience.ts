/**
 * How the SecretManager calls a provider without hammering it or hanging on it: a timeout per
 * call, retries with exponential backoff and full jitter for retryable errors only (an access
 * denial or a missing secret is final at once), and a circuit breaker that stops calling a
 * provider that keeps failing and lets one trial call through after a cool-down.
 */
import { CofferError } from '../core/errors.js';

/** Retry settings; defaults in {@link DEFAULT_RETRY}. */
export interface RetryOptions {
  /** Attempts in all, the first included. */
  readonly attempts: number;
  /** Backoff before the second attempt, doubled each time, with full jitter. */
  readonly baseMs: number;
  /** Upper bound of one backoff. */
  readonly maxMs: number;
}

/** Circuit settings; defaults in {@link DEFAULT_CIRCUIT}. */
export interface CircuitOptions {
  /** Consecutive failed calls that open the circuit. */
  readonly failures: number;
  /** How long an open circuit refuses calls before letting one trial through. */
  readonly cooldownMs: number;
}

/** Three attempts, 100 ms doubling up to 2 s. */
export const DEFAULT_RETRY: RetryOptions = { attempts: 3, baseMs: 100, maxMs: 2000 };
/** Open after 5 failed calls in a row, for 30 s. */
export const DEFAULT_CIRCUIT: CircuitOptions = { failures: 5, cooldownMs: 30_000 };

/**
 * True for errors worth retrying: a CofferError as it says (its flag defaults to its code's rule,
 * and a provider clears it where a retry could repeat a write that landed), and anything not a
 * CofferError (network faults).
 */
export function isRetryable(error: unknown): boolean {
  if (error instanceof CofferError) return error.retryable;
  return true;
}

/** Rejects with a retryable COFFER_E_UNAVAILABLE when `work` takes longer than `ms`. */
export function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  if (!Number.isFinite(ms)) return work;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    // Not unref'd: a caller awaiting the answer must not see the process exit under it.
    timer = setTimeout(() => reject(new CofferError('COFFER_E_UNAVAILABLE', `${what} did not answer within ${ms} ms; the provider may be down or slow.`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** A circuit breaker for one provider. */
export class Circuit {
  private consecutive = 0;
  private openedAt: number | undefined;
  private trial = false;

  constructor(private readonly options: CircuitOptions, private readonly now: () => number) {}

  /** `closed`, `open` (refusing calls) or `half-open` (one trial call allowed). */
  get state(): 'closed' | 'open' | 'half-open' {
    if (this.openedAt === undefined) return 'closed';
    return this.now() - this.openedAt >= this.options.cooldownMs ? 'half-open' : 'open';
  }

  /**
   * Whether a call now would reach the provider: the circuit is closed, or half-open with its one
   * trial not yet taken. Background work checks it so as not to start calls that can only be refused.
   */
  get admits(): boolean {
    const state = this.state;
    return state === 'closed' || (state === 'half-open' && !this.trial);
  }

  /** Consecutive failures so far. */
  get failures(): number {
    return this.consecutive;
  }

  /** Runs `call` unless the circuit is open; records the outcome. */
  async run<T>(call: () => Promise<T>, what: string): Promise<T> {
    const state = this.state;
    if (state === 'open' || (state === 'half-open' && this.trial)) {
      throw new CofferError('COFFER_E_UNAVAILABLE', `${what} is not being called: it failed ${this.consecutive} times in a row, so Coffer waits ${Math.ceil(this.options.cooldownMs / 1000)} s before trying again.`);
    }
    if (state === 'half-open') this.trial = true;
    try {
      const result = await call();
      this.consecutive = 0;
      this.openedAt = undefined;
      return result;
    } catch (error) {
      // Only failures of the provider count; a missing secret or a refusal is an answer.
      if (isRetryable(error)) {
        this.consecutive += 1;
        if (this.consecutive >= this.options.failures || state === 'half-open') this.openedAt = this.now();
      }
      throw error;
    } finally {
      if (state === 'half-open') this.trial = false;
    }
  }
}

/** Runs `call`, retrying retryable failures with exponential backoff and full jitter. */
export async function withRetry<T>(call: () => Promise<T>, options: RetryOptions, sleep: (ms: number) => Promise<void> = delay): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (attempt >= options.attempts || !isRetryable(error)) throw error;
      const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** (attempt - 1));
      await sleep(Math.random() * ceiling);
    }
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
