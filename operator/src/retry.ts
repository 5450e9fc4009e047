/**
 * Retry with exponential backoff for calls to a dependency (InfluxDB, Alertmanager, the API
 * server) inside one run: a short outage costs a few seconds instead of a failed run, and a long
 * one still fails the run in bounded time with the last error as its cause.
 */
export interface RetryOptions {
  /** Attempts after the first; 0 means call once. */
  retries: number;
  /** Delay before the first retry; doubles each time up to `maxDelayMs`. */
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** False stops retrying at once (a 4xx answer will not get better). */
  retryable?: (err: unknown) => boolean;
  /** Injected in tests to avoid real waiting. */
  sleep?: (ms: number) => Promise<void>;
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The delay before retry number `attempt` (1-based): initial * 2^(attempt-1), capped. */
export function backoffDelay(attempt: number, initialDelayMs: number, maxDelayMs: number): number {
  return Math.min(maxDelayMs, initialDelayMs * 2 ** (attempt - 1));
}

export async function withRetry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const initial = options.initialDelayMs ?? 500;
  const max = options.maxDelayMs ?? 10_000;
  const wait = options.sleep ?? sleep;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (attempt >= options.retries || (options.retryable !== undefined && !options.retryable(err))) throw err;
      const delay = backoffDelay(attempt + 1, initial, max);
      options.onRetry?.(err, attempt + 1, delay);
      await wait(delay);
    }
  }
}
