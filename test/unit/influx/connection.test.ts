import assert from 'node:assert/strict';
import { AlertigerError } from '../../../operator/src/errors.js';
import { closedPort } from '../../harness/process.js';
import { callInflux, influxClient, isTransient, queryInflux, quoteIdentifier, quoteString } from '../../../operator/src/influx/connection.js';

describe('InfluxDB connection', () => {
  it('retries a dead server with backoff, then fails with the unavailable code naming the URL', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const client = influxClient({ url, database: 'alertiger', timeoutMs: 2000 });
    const delays: number[] = [];
    await assert.rejects(
      callInflux('write statistics', url, { unavailable: 'InfluxUnavailable', rejected: 'InfluxRejected' }, () => client.getDatabaseNames(), {
        retries: 3, retryDelayMs: 100, sleep: async (ms) => { delays.push(ms); },
      }),
      (err: unknown) => {
        assert.ok(err instanceof AlertigerError);
        assert.equal(err.code, 'InfluxUnavailable');
        assert.match(err.message, new RegExp(`InfluxDB at ${url} is unreachable \\(write statistics\\): connect ECONNREFUSED`));
        return true;
      },
    );
    assert.deepEqual(delays, [100, 200, 400]);
  });

  it('does not retry a refusal', async () => {
    let calls = 0;
    await assert.rejects(callInflux('read', 'http://x', { unavailable: 'InfluxUnavailable', rejected: 'InfluxRejected' }, async () => {
      calls++;
      throw new Error('A 400 Bad Request error occurred: {"error":"error parsing query"}');
    }, { retries: 3, sleep: async () => undefined }), /InfluxDB at http:\/\/x refused to read: A 400/);
    assert.equal(calls, 1);
  });

  it('retries an error InfluxDB reports inside its answer when it passes, and refuses one that does not', async () => {
    const codes = { unavailable: 'SourceUnavailable', rejected: 'SourceInvalid' } as const;
    const policy = { retries: 3, sleep: async () => undefined };
    // A server stopping answers 200 with "query engine shutdown", then comes back.
    const answers: Array<{ results: Array<{ error?: string; series?: unknown[] }> }> = [{ results: [{ error: 'query engine shutdown' }] }, { results: [{ series: [] }] }];
    let calls = 0;
    const ok = await queryInflux('read inference_log', 'http://x', codes, async () => answers[calls++], policy);
    assert.equal(calls, 2);
    assert.deepEqual(ok, answers[1]);
    // Still stopping after every retry: an outage, not a refusal.
    await assert.rejects(
      queryInflux('read inference_log', 'http://x', codes, async () => answers[0], policy),
      (err: unknown) => err instanceof AlertigerError && err.code === 'SourceUnavailable' && /unreachable \(read inference_log\): query engine shutdown/.test(err.message),
    );
    // A bad query is refused at once, with InfluxDB's words.
    calls = 0;
    await assert.rejects(
      queryInflux('read inference_log', 'http://x', codes, async () => (calls++, { results: [{ error: 'error parsing query: found EOF' }] }), policy),
      (err: unknown) => err instanceof AlertigerError && err.code === 'SourceInvalid' && err.message === 'InfluxDB at http://x refused to read inference_log: error parsing query: found EOF',
    );
    assert.equal(calls, 1);
  });

  it('tells transient failures from the rest', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    class ServiceNotAvailableError extends Error {}
    assert.equal(isTransient(refused), true);
    assert.equal(isTransient(new ServiceNotAvailableError('Request timed out')), true);
    assert.equal(isTransient(new Error('socket hang up')), true);
    assert.equal(isTransient(new Error('Error from InfluxDB: query engine shutdown')), true, 'InfluxDB stopping mid-query');
    assert.equal(isTransient(new Error('A 400 Bad Request')), false);
    assert.equal(isTransient('text'), false);
  });

  it('quotes InfluxQL strings and identifiers', () => {
    assert.equal(quoteString("it's a \\ test"), "'it\\'s a \\\\ test'");
    assert.equal(quoteIdentifier('we"ird'), '"we\\"ird"');
  });
});
