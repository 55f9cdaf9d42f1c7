/**
 * How the SecretManager calls its provider: through the circuit breaker, with retries and a
 * timeout (src/client/resilience.ts), counting every failure for health (a missing secret is an
 * answer, not a failure), reporting it as an `error` event, and logging the circuit opening and
 * closing once per change rather than once per refused call.
 */
import { CofferError, isCofferError } from '../core/errors.js';
import type { Provider } from '../providers/types.js';
import type { ErrorState } from './_error-state.js';
import { codeOf } from './_load-failure.js';
import { withRetry, withTimeout, type Circuit, type RetryOptions } from './resilience.js';
import type { ErrorEvent, LogRecord } from './types.js';

/** What a {@link ProviderCalls} needs from its manager. */
export interface ProviderCallsContext {
  readonly provider: Provider;
  readonly circuit: Circuit;
  readonly errors: ErrorState;
  readonly settings: { readonly timeoutMs: number; readonly retry: RetryOptions; readonly cooldownMs: number };
  readonly now: () => number;
  /** Reports a failed call (the manager masks values and emits `error` to its listeners). */
  readonly onError: (event: ErrorEvent) => void;
  readonly log: (record: LogRecord) => void;
}

/** The provider calls of one manager; see the module comment. */
export class ProviderCalls {
  /** The circuit state last logged. */
  private logged: 'closed' | 'open' = 'closed';

  constructor(private readonly context: ProviderCallsContext) {}

  /** Runs `work` (a call to the provider, described by `what`, about secret `name` if any). */
  async call<T>(work: () => Promise<T>, what: string, name?: string): Promise<T> {
    const { provider, circuit, settings } = this.context;
    const label = `The ${provider.id} provider (${what})`;
    try {
      const result = await circuit.run(() => withRetry(() => withTimeout(work(), settings.timeoutMs, label), settings.retry), label);
      this.circuitChanged();
      return result;
    } catch (error) {
      this.circuitChanged();
      if (!isCofferError(error, 'COFFER_E_NOT_FOUND')) {
        const code = codeOf(error);
        this.context.errors.add(error, code, this.context.now());
        this.context.onError({ ...(name !== undefined ? { name } : {}), code, message: error instanceof CofferError ? error.message : `${label} failed.` });
      }
      throw error;
    }
  }

  /** Logs the circuit opening or closing, once per change. */
  private circuitChanged(): void {
    const { provider, circuit, settings, errors } = this.context;
    const state = circuit.state === 'closed' ? 'closed' : 'open';
    if (state === this.logged) return;
    this.logged = state;
    this.context.log(state === 'open'
      ? { level: 'error', message: `The ${provider.id} provider failed ${circuit.failures} times in a row; Coffer stops calling it for ${Math.ceil(settings.cooldownMs / 1000)} s (circuit open) and serves cached values meanwhile.`, code: errors.lastCode ?? 'COFFER_E_UNAVAILABLE' }
      : { level: 'info', message: `The ${provider.id} provider answers again (circuit closed).` });
  }
}
