/**
 * The thin Alertmanager client: POST /api/v2/alerts with a per-request timeout and retries with
 * backoff. Connection errors, timeouts, 429 and 5xx are retried; any other answer means the
 * payload is wrong and retrying cannot help.
 */
import { AlertigerError, describeError } from '../errors.js';
import { withRetry, type RetryOptions } from '../retry.js';
import type { PostableAlert } from './payload.js';

export interface PostOptions {
  /** Attempts after the first (default 4: about 7.5 s of backoff at the default delays). */
  retries?: number;
  /** Per request (default 10 s). */
  timeoutMs?: number;
  initialDelayMs?: number;
  sleep?: RetryOptions['sleep'];
  onRetry?: RetryOptions['onRetry'];
}

/** Alerts per request: Alertmanager takes any number, but huge bodies hit proxies' limits. */
const BATCH = 500;

class RetryableHttpError extends Error {}

/** Posts `alerts` to the Alertmanager at `baseUrl`; nothing is sent when the list is empty. */
export async function postAlerts(baseUrl: string, alerts: PostableAlert[], options: PostOptions = {}): Promise<void> {
  const endpoint = `${baseUrl.replace(/\/+$/, '')}/api/v2/alerts`;
  for (let i = 0; i < alerts.length; i += BATCH) {
    const body = JSON.stringify(alerts.slice(i, i + BATCH));
    try {
      await withRetry(() => postOnce(endpoint, body, options.timeoutMs ?? 10_000), {
        retries: options.retries ?? 4,
        initialDelayMs: options.initialDelayMs ?? 500,
        maxDelayMs: 4_000,
        retryable: (err) => !(err instanceof AlertigerError),
        sleep: options.sleep,
        onRetry: options.onRetry,
      });
    } catch (err) {
      if (err instanceof AlertigerError) throw err;
      throw new AlertigerError('AlertmanagerUnavailable', `Alertmanager at ${endpoint} did not accept the alerts: ${describeError(err)}`, { cause: err });
    }
  }
}

async function postOnce(endpoint: string, body: string, timeoutMs: number): Promise<void> {
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    signal: AbortSignal.timeout(timeoutMs),
  }).catch((err: unknown) => {
    const reason = err instanceof Error && err.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : describeError(err);
    throw new RetryableHttpError(reason, { cause: err });
  });
  const text = await response.text().catch(() => '');
  if (response.ok) return;
  const detail = `HTTP ${response.status}${text !== '' ? `: ${text.slice(0, 300).trim()}` : ''}`;
  if (response.status === 429 || response.status >= 500) throw new RetryableHttpError(detail);
  throw new AlertigerError('AlertmanagerRejected', `Alertmanager at ${endpoint} rejected the alerts: ${detail}`);
}
