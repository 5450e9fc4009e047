import assert from 'node:assert/strict';
import { AlertigerError } from '../../../operator/src/errors.js';
import { closedPort } from '../../harness/process.js';
import { callInflux, influxClient, isTransient, quoteIdentifier, quoteString } from '../../../operator/src/store/connection.js';

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
    await assert.rejects(callInflux('read', 'http://x', { unavailable: 'U', rejected: 'R' }, async () => {
      calls++;
      throw new Error('A 400 Bad Request error occurred: {"error":"error parsing query"}');
    }, { retries: 3, sleep: async () => undefined }), /InfluxDB at http:\/\/x refused to read: A 400/);
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
