import assert from 'node:assert/strict';
import { AlertigerError } from '../../../operator/src/errors.js';
import { helpFor, identityOf, loadConfig, loadOperatorConfig, parseDuration } from '../../../operator/src/config.js';

const base = { ALERTIGER_INFLUX_URL: 'http://influx:8086', ALERTIGER_JOB_IMAGE: 'alertiger:1.0' };

function configError(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof AlertigerError);
    assert.equal(err.code, 'InvalidConfig');
    return err.message;
  }
  assert.fail('expected an InvalidConfig error');
}

describe('loadConfig', () => {
  it('applies the documented defaults when only the required settings are given', () => {
    const c = loadOperatorConfig([], base);
    assert.equal(c.influxUrl, 'http://influx:8086');
    assert.equal(c.influxDatabase, 'alertiger');
    assert.equal(c.influxSecret, undefined);
    assert.deepEqual(c.namespaces, []);
    assert.deepEqual(c.listen, { host: '', port: 8080 });
    assert.equal(c.leaderElect, true);
    assert.equal(c.leaseName, 'alertiger-operator');
    assert.equal(c.operatorNamespace, 'alertiger-system');
    assert.equal(c.resendInterval, 300_000);
    assert.equal(c.jobMemoryLimit, '1Gi');
    assert.equal(c.jobCpuLimit, '');
  });

  it('reads flags and environment variables of the same names, the flag winning', () => {
    const c = loadOperatorConfig(['--influx-database', 'fromflag', '--namespaces=b,a', '--leader-elect=false'], {
      ...base, ALERTIGER_INFLUX_DATABASE: 'fromenv', ALERTIGER_NAMESPACES: 'x', ALERTIGER_RESEND_INTERVAL: '1m30s',
    });
    assert.equal(c.influxDatabase, 'fromflag');
    assert.deepEqual(c.namespaces, ['a', 'b']);
    assert.equal(c.leaderElect, false);
    assert.equal(c.resendInterval, 90_000);
  });

  it('takes the required settings from flags alone', () => {
    const c = loadOperatorConfig(['--influx-url', 'https://db.example/', '--job-image', 'img'], {});
    assert.equal(c.influxUrl, 'https://db.example');
    assert.equal(c.jobImage, 'img');
  });

  it('names both the variable and the flag of a missing required setting, all at once', () => {
    const message = configError(() => loadOperatorConfig([], {}));
    assert.match(message, /ALERTIGER_INFLUX_URL \(or --influx-url\) is required/);
    assert.match(message, /ALERTIGER_JOB_IMAGE \(or --job-image\) is required/);
  });

  it('does not require the job image in job mode', () => {
    const c = loadConfig([], { ALERTIGER_INFLUX_URL: 'http://i:8086' }, 'job');
    assert.equal(c.jobImage, undefined);
  });

  const invalid: [string, Record<string, string>, string[], RegExp][] = [
    ['a URL that is not http(s)', { ALERTIGER_INFLUX_URL: 'ftp://x' }, [], /ALERTIGER_INFLUX_URL: "ftp:\/\/x" is not an http\(s\) URL/],
    ['a namespace that is not a DNS label', { ALERTIGER_NAMESPACES: 'ok,Not_OK' }, [], /ALERTIGER_NAMESPACES: "Not_OK" is not a valid namespace/],
    ['a bad duration given as a flag', {}, ['--resend-interval', '5 minutes'], /--resend-interval: "5 minutes" is not a duration/],
    ['a zero duration', { ALERTIGER_RESYNC_INTERVAL: '0s' }, [], /ALERTIGER_RESYNC_INTERVAL: "0s" must be longer than zero/],
    ['a bad quantity', { ALERTIGER_JOB_MEMORY_LIMIT: '1 GB' }, [], /ALERTIGER_JOB_MEMORY_LIMIT: "1 GB" is not a Kubernetes quantity/],
    ['a bad listen address', { ALERTIGER_LISTEN: '8080' }, [], /ALERTIGER_LISTEN: "8080" is not a listen address/],
    ['a bad boolean', { ALERTIGER_LEADER_ELECT: 'maybe' }, [], /ALERTIGER_LEADER_ELECT: "maybe" is not a boolean/],
    ['a renew deadline not shorter than the lease', { ALERTIGER_RENEW_DEADLINE: '20s' }, [], /ALERTIGER_RENEW_DEADLINE \(--renew-deadline\) must be shorter than ALERTIGER_LEASE_DURATION/],
    ['a bad pull policy', { ALERTIGER_JOB_IMAGE_PULL_POLICY: 'Sometimes' }, [], /not one of Always, IfNotPresent, Never/],
    ['an invalid secret name', { ALERTIGER_INFLUX_SECRET: 'My_Secret' }, [], /ALERTIGER_INFLUX_SECRET: "My_Secret" is not a valid object name/],
  ];
  for (const [what, env, argv, pattern] of invalid) {
    it(`refuses ${what}, naming the setting`, () => {
      assert.match(configError(() => loadOperatorConfig(argv, { ...base, ...env })), pattern);
    });
  }

  it('refuses an unknown flag', () => {
    assert.match(configError(() => loadOperatorConfig(['--influx-ulr', 'x'], base)), /influx-ulr/);
  });

  it('treats an empty variable as unset and "none" as no limit', () => {
    const c = loadOperatorConfig([], { ...base, ALERTIGER_INFLUX_DATABASE: '', ALERTIGER_JOB_MEMORY_LIMIT: 'none' });
    assert.equal(c.influxDatabase, 'alertiger');
    assert.equal(c.jobMemoryLimit, '');
  });

  it('parses listen addresses with and without a host', () => {
    assert.deepEqual(loadOperatorConfig([], { ...base, ALERTIGER_LISTEN: '127.0.0.1:0' }).listen, { host: '127.0.0.1', port: 0 });
    assert.deepEqual(loadOperatorConfig([], { ...base, ALERTIGER_LISTEN: '[::1]:9090' }).listen, { host: '::1', port: 9090 });
  });

  it('takes the identity from the pod name, else HOSTNAME', () => {
    assert.equal(identityOf(loadOperatorConfig([], { ...base, HOSTNAME: 'host-1' })), 'host-1');
    assert.equal(identityOf(loadOperatorConfig([], { ...base, HOSTNAME: 'host-1', ALERTIGER_POD_NAME: 'pod-1' })), 'pod-1');
  });

  it('returns the values of extra command flags', () => {
    const c = loadConfig(['--monitor', 'ns/name'], base, 'job', ['monitor']);
    assert.equal(c.extra.monitor, 'ns/name');
  });

  it('lists every setting with its flag and variable in the help', () => {
    const help = helpFor('operator');
    assert.match(help, /--influx-url\s+ALERTIGER_INFLUX_URL .*\(required\)/);
    assert.match(help, /--namespaces\s+ALERTIGER_NAMESPACES/);
  });
});

describe('parseDuration', () => {
  it('reads Go-style durations', () => {
    assert.equal(parseDuration('250ms'), 250);
    assert.equal(parseDuration('1h30m'), 5_400_000);
    assert.equal(parseDuration('1.5s'), 1500);
  });

  it('refuses text that is not wholly a duration', () => {
    assert.throws(() => parseDuration('5'), /not a duration/);
    assert.throws(() => parseDuration('5m x'), /not a duration/);
  });
});

describe('report token settings', () => {
  const token = 'a'.repeat(32);

  it('leaves both unset by default (report pages answer loopback clients only)', () => {
    const c = loadOperatorConfig([], base);
    assert.equal(c.reportToken, undefined);
    assert.equal(c.reportTokenFile, undefined);
  });

  it('reads the token trimmed, and the token file path', () => {
    assert.equal(loadOperatorConfig([], { ...base, ALERTIGER_REPORT_TOKEN: ` ${token}\n` }).reportToken, token);
    assert.equal(loadOperatorConfig(['--report-token-file', '/etc/alertiger/token'], base).reportTokenFile, '/etc/alertiger/token');
  });

  const cases: Array<[string, Record<string, string>, RegExp]> = [
    ['a token shorter than 16 characters', { ALERTIGER_REPORT_TOKEN: 'short' }, /ALERTIGER_REPORT_TOKEN: the report token has 5 characters; use at least 16/],
    ['a token with whitespace inside', { ALERTIGER_REPORT_TOKEN: 'abcdefgh ijklmnopq' }, /ALERTIGER_REPORT_TOKEN: the report token contains whitespace/],
    ['both a token and a token file', { ALERTIGER_REPORT_TOKEN: token, ALERTIGER_REPORT_TOKEN_FILE: '/t' }, /set one of ALERTIGER_REPORT_TOKEN and ALERTIGER_REPORT_TOKEN_FILE, not both/],
  ];
  for (const [what, env, message] of cases) {
    it(`refuses ${what}, naming the variable`, () => {
      assert.match(configError(() => loadOperatorConfig([], { ...base, ...env })), message);
    });
  }

  it('never echoes a refused token in the error', () => {
    const message = configError(() => loadOperatorConfig([], { ...base, ALERTIGER_REPORT_TOKEN: 'secret-ish' }));
    assert.doesNotMatch(message, /secret-ish/);
  });
});
