/**
 * API errors as AlertigerErrors with a stable code (the code is a condition reason and a metric
 * label), and the retry rules: conflicts and unavailability are worth retrying; a refused or
 * invalid request is not.
 */
import { AlertigerError, type ErrorCode } from '../errors.js';
import { withRetry } from '../retry.js';

export class KubeApiError extends AlertigerError {
  readonly status: number;

  constructor(status: number, message: string, options?: { cause?: unknown }) {
    super(codeForStatus(status), message, options);
    this.status = status;
  }
}

export function codeForStatus(status: number): ErrorCode {
  switch (status) {
    case 400: return 'BadRequest';
    case 401: return 'Unauthorized';
    case 403: return 'Forbidden';
    case 404: return 'NotFound';
    case 409: return 'Conflict';
    case 410: return 'Gone';
    case 422: return 'Invalid';
    case 429: return 'TooManyRequests';
    default: return status >= 500 || status === 0 ? 'ApiUnavailable' : 'ApiError';
  }
}

function statusOf(err: unknown): number | undefined {
  return err instanceof KubeApiError ? err.status : undefined;
}

export const isConflict = (err: unknown): boolean => statusOf(err) === 409;

export const isNotFound = (err: unknown): boolean => statusOf(err) === 404;

/** Conflicts, throttling and server or network trouble may pass; the rest will not. */
export function isRetryable(err: unknown): boolean {
  const status = statusOf(err);
  return status === 409 || status === 429 || status === 0 || (status !== undefined && status >= 500);
}

/**
 * Retries a write a few times on conflict: with server-side apply and force a 409 means the
 * object changed under a concurrent write (or a create raced a delete), and the next attempt
 * sees the new state. Longer outages are the work queue's business (per-key backoff).
 */
export function retryOnConflict<T>(fn: () => Promise<T>, sleep?: (ms: number) => Promise<void>): Promise<T> {
  return withRetry(fn, { retries: 4, initialDelayMs: 50, maxDelayMs: 800, retryable: isConflict, sleep });
}

/** client-node's ApiException, told by its shape: importing the class would load all of client-node. */
function isApiException(err: unknown): err is Error & { code: number; body: unknown } {
  return err instanceof Error && typeof (err as { code?: unknown }).code === 'number' && 'body' in err;
}

/** Any error of a client-node call as a KubeApiError whose message says what was being done. */
export function toKubeError(what: string, err: unknown): KubeApiError {
  if (err instanceof KubeApiError) return err;
  if (isApiException(err)) {
    const body = typeof err.body === 'string' ? safeJson(err.body) : err.body;
    const message = (body as { message?: string } | undefined)?.message ?? String(err.body ?? err.message);
    return new KubeApiError(err.code, `${what}: ${message}`, { cause: err });
  }
  return new KubeApiError(0, `${what}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { message: text };
  }
}
