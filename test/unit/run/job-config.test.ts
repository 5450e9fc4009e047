import assert from 'node:assert/strict';
import { loadJobConfig } from '../../../operator/src/config.js';
import { AlertigerError } from '../../../operator/src/errors.js';

const env = {
  ALERTIGER_INFLUX_URL: 'http://influx:8086/',
  ALERTIGER_ALERTMANAGER_URL: 'http://am:9093',
  ALERTIGER_INFLUX_USERNAME: 'writer',
  ALERTIGER_INFLUX_PASSWORD: 's3cret',
  ALERTIGER_SOURCE_INFLUX_TOKEN: 'tok',
};

describe('loadJobConfig', () => {
  it('reads the monitor, the URLs and the credentials the CronJob passes', () => {
    const c = loadJobConfig(['--monitor', 'ml-prod/feed-ranker'], env);
    assert.deepEqual(c.monitor, { namespace: 'ml-prod', name: 'feed-ranker' });
    assert.equal(c.influxUrl, 'http://influx:8086');
    assert.equal(c.influxDatabase, 'alertiger');
    assert.equal(c.alertmanagerUrl, 'http://am:9093');
    assert.deepEqual(c.influxCredentials, { username: 'writer', password: 's3cret' });
    assert.deepEqual(c.sourceCredentials, { token: 'tok' });
    assert.equal(c.now, undefined);
  });

  it('takes the run time from --now or ALERTIGER_NOW', () => {
    assert.equal(loadJobConfig(['--monitor', 'a/b', '--now', '2026-03-02T02:15:00Z'], env).now?.toISOString(), '2026-03-02T02:15:00.000Z');
    assert.equal(loadJobConfig(['--monitor', 'a/b'], { ...env, ALERTIGER_NOW: '2026-03-03T00:00:00Z' }).now?.toISOString(), '2026-03-03T00:00:00.000Z');
  });

  const bad: Array<[string, string[], Record<string, string>, RegExp]> = [
    ['a monitor without a namespace', ['--monitor', 'feed-ranker'], env, /--monitor must be NAMESPACE\/NAME/],
    ['a monitor name that is not a DNS name', ['--monitor', 'ns/Feed_Ranker'], env, /--monitor must be NAMESPACE\/NAME/],
    ['no InfluxDB URL', ['--monitor', 'a/b'], {}, /ALERTIGER_INFLUX_URL \(or --influx-url\) is required/],
    ['an unreadable time', ['--monitor', 'a/b', '--now', 'tomorrow'], env, /--now: "tomorrow" is not an ISO 8601 time/],
  ];
  for (const [name, argv, e, message] of bad) {
    it(`refuses ${name}`, () => assert.throws(() => loadJobConfig(argv, e), (err: unknown) => err instanceof AlertigerError && err.code === 'InvalidConfig' && message.test(err.message)));
  }
});
