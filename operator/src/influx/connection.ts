/**
 * One way to reach an InfluxDB 1.x server (the `influx` package), shared by the statistics
 * store and the InfluxDB source, and one policy for its failures: connection errors, timeouts
 * and 5xx answers are retried with backoff by us (the package's own host-disabling backoff is
 * turned off so it cannot answer "no host available" in between); past the retries the error
 * names the URL. Any other failure (a refused query, a 4xx) fails at once.
 */
import { InfluxDB } from 'influx';
import type { IBackoffStrategy } from 'influx/lib/src/backoff/backoff.js';
import { AlertigerError, type ErrorCode } from '../errors.js';
import { withRetry } from '../retry.js';

export interface InfluxConnection {
  url: string;
  database: string;
  username?: string;
  password?: string;
  /** InfluxDB 1.8+ token auth ("Authorization: Token ..."), instead of username/password. */
  token?: string;
  /** Per-request timeout; 30 s by default. */
  timeoutMs?: number;
}

export interface RetryPolicy {
  /** Retries after the first attempt; 4 by default. */
  retries?: number;
  /** First backoff delay, doubling; 500 ms by default. */
  retryDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

const NO_BACKOFF: IBackoffStrategy = { getDelay: () => 0, next: () => NO_BACKOFF, reset: () => NO_BACKOFF };

export function influxClient(c: InfluxConnection): InfluxDB {
  const url = new URL(c.url);
  const protocol = url.protocol === 'https:' ? 'https' : 'http';
  return new InfluxDB({
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port !== '' ? Number(url.port) : protocol === 'https' ? 443 : 80,
    protocol,
    path: url.pathname === '/' ? '' : url.pathname.replace(/\/$/, ''),
    database: c.database,
    username: c.token === undefined ? c.username : undefined,
    password: c.token === undefined ? c.password : undefined,
    options: c.token !== undefined ? { headers: { Authorization: `Token ${c.token}` } } : {},
    pool: { maxRetries: 0, requestTimeout: c.timeoutMs ?? 30_000, backoff: NO_BACKOFF },
  });
}

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ESOCKETTIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE']);

/** True for failures that may pass: no connection, a timeout, a 5xx answer, a server stopping. */
export function isTransient(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (err.name === 'ServiceNotAvailableError' || err.constructor.name === 'ServiceNotAvailableError') return true;
  const code = (err as NodeJS.ErrnoException).code;
  // A server in the middle of stopping answers the query with "query engine shutdown": an
  // outage that passes, not a refusal of our query.
  return (code !== undefined && CONNECTION_CODES.has(code)) || /socket hang up|query engine shutdown/i.test(err.message);
}

/**
 * Runs fn with retries on transient failures. Errors become AlertigerErrors with the given
 * codes: `unavailable` when InfluxDB could not be reached, `rejected` when it refused.
 */
export async function callInflux<T>(
  what: string,
  url: string,
  codes: { unavailable: ErrorCode; rejected: ErrorCode },
  fn: () => Promise<T>,
  policy: RetryPolicy = {},
): Promise<T> {
  try {
    return await withRetry(fn, {
      retries: policy.retries ?? 4,
      initialDelayMs: policy.retryDelayMs ?? 500,
      maxDelayMs: 10_000,
      retryable: isTransient,
      sleep: policy.sleep,
    });
  } catch (err) {
    if (isTransient(err)) {
      throw new AlertigerError(codes.unavailable, `InfluxDB at ${url} is unreachable (${what}): ${errorText(err)}`, { cause: err });
    }
    throw new AlertigerError(codes.rejected, `InfluxDB at ${url} refused to ${what}: ${errorText(err)}`, { cause: err });
  }
}

/** What queryInflux needs of a raw InfluxDB answer: the first result's error, if any. */
export interface QueryAnswer {
  results?: Array<{ error?: string }>;
}

/**
 * A raw query through callInflux. InfluxDB reports some failures inside a 200 answer
 * (`results[0].error`); they are raised inside the retried call, so one that passes ("query
 * engine shutdown" from a server that is stopping) is retried and reported as an outage, and
 * one that does not (a bad query) as a refusal, like any other answer.
 */
export function queryInflux<T extends QueryAnswer>(
  what: string,
  url: string,
  codes: { unavailable: ErrorCode; rejected: ErrorCode },
  query: () => Promise<T>,
  policy: RetryPolicy = {},
): Promise<T> {
  return callInflux(
    what,
    url,
    codes,
    async () => {
      const answer = await query();
      const error = answer.results?.[0]?.error;
      if (error !== undefined) throw new Error(error);
      return answer;
    },
    policy,
  );
}

function errorText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as NodeJS.ErrnoException).code;
  return code !== undefined && !err.message.includes(code) ? `${code} ${err.message}`.trim() : err.message || err.name;
}

/** An InfluxQL string literal. */
export function quoteString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** An InfluxQL identifier. */
export function quoteIdentifier(name: string): string {
  return `"${name.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}
