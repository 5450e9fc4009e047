import assert from 'node:assert/strict';
import { redactURL, validateMonitor, validateSpec, type FieldError } from '../../../operator/src/api/validate.js';
import { SCHEDULE_CASES } from './cron-cases.js';
import { invalidFixtures, loadYaml, yamlFiles } from './repo.js';

/** A valid spec with one part replaced (a `undefined` value removes the key). */
function spec(patch: Record<string, unknown> = {}): Record<string, unknown> {
  const base: Record<string, unknown> = {
    model: { name: 'feed-ranker' },
    source: { influx: { database: 'models', measurement: 'inference_log' } },
  };
  const out = { ...base, ...patch };
  for (const key of Object.keys(out)) if (out[key] === undefined) delete out[key];
  return out;
}

const fields = (errors: FieldError[]): string[] => errors.map((e) => e.field);

describe('validateMonitor', () => {
  for (const path of yamlFiles('manifests', 'samples')) {
    it(`accepts the sample ${path.split('/').pop()}`, () => {
      assert.deepEqual(validateMonitor(loadYaml(path)), []);
    });
  }

  for (const fixture of invalidFixtures()) {
    it(`refuses ${fixture.name}, naming ${fixture.field}`, () => {
      const errors = validateMonitor(fixture.resource);
      const match = errors.find((e) => e.field === fixture.field);
      assert.ok(match, `${fixture.rule}\ngot: ${JSON.stringify(errors)}`);
      if (fixture.message !== undefined) assert.ok(match.message.includes(fixture.message), `${match.message} lacks ${fixture.message}`);
    });
  }

  it('refuses the wrong apiVersion, kind, or a missing name', () => {
    const errors = validateMonitor({ apiVersion: 'v1', kind: 'ConfigMap', metadata: {}, spec: spec() });
    assert.deepEqual(fields(errors), ['apiVersion', 'kind', 'metadata.name']);
  });

  it('refuses something that is not an object', () => {
    assert.deepEqual(fields(validateMonitor('monitor')), ['(resource)']);
  });
});

describe('validateSpec', () => {
  const cases: { why: string; patch: Record<string, unknown>; field?: string; message?: RegExp }[] = [
    { why: 'accepts a minimal spec', patch: {} },
    { why: 'accepts a numeric sensitivity', patch: { detection: { sensitivity: 0.3 } } },
    { why: 'accepts a numeric sensitivity written as a string', patch: { detection: { sensitivity: '0.05' } } },
    { why: 'refuses a sensitivity of 1', patch: { detection: { sensitivity: 1 } }, field: 'spec.detection.sensitivity' },
    { why: 'refuses a sensitivity of "0"', patch: { detection: { sensitivity: '0' } }, field: 'spec.detection.sensitivity' },
    { why: 'refuses a boolean sensitivity', patch: { detection: { sensitivity: true } }, field: 'spec.detection.sensitivity' },
    { why: 'checks min against the default window when only min is set', patch: { detection: { duration: { min: 4 } } }, field: 'spec.detection.duration.min', message: /\(4\) must not exceed duration.window \(3\)/ },
    { why: 'refuses a fractional window', patch: { detection: { duration: { window: 2.5, min: 1 } } }, field: 'spec.detection.duration.window' },
    { why: 'refuses a backwards range in the schedule', patch: { schedule: '30-5 * * * *' }, field: 'spec.schedule', message: /runs backwards/ },
    { why: 'refuses a glob in a URL', patch: { source: { file: { path: 'https://logs.example.com/*.jsonl' } } }, field: 'spec.source.file.path', message: /globs/ },
    { why: 'refuses an unclosed class in a path glob', patch: { source: { file: { path: '/data/[ab.jsonl' } } }, field: 'spec.source.file.path', message: /unclosed/ },
    { why: 'refuses a .csv path read as the default jsonl', patch: { source: { file: { path: '/data/x/*.csv' } } }, field: 'spec.source.file.format', message: /set format: csv/ },
    { why: 'accepts a .csv.gz path read as csv', patch: { source: { file: { path: '/data/x/*.csv.gz', format: 'csv' } } } },
    { why: 'accepts a path with no extension in any format', patch: { source: { file: { path: '/data/x/part-*', format: 'parquet' } } } },
    { why: 'refuses an exclude pattern that hides the score', patch: { schema: { score: 'score', exclude: ['x', 's*'] } }, field: 'spec.schema.exclude', message: /"s\*" \(exclude\[1\]\) hides the score field "score"/ },
    { why: 'refuses an exclude pattern that hides a categorical feature', patch: { schema: { categorical: ['debug_country'], exclude: ['debug_*'] } }, field: 'spec.schema.exclude' },
    { why: 'refuses an invalid exclude glob', patch: { schema: { exclude: ['[z-a]'] } }, field: 'spec.schema.exclude[0]', message: /range z-a .* must run forwards/ },
    { why: 'refuses an exclude pattern with a character beyond field names and globs', patch: { schema: { exclude: ['a+b'] } }, field: 'spec.schema.exclude[0]', message: /may hold only/ },
    { why: 'refuses more than 64 exclude patterns', patch: { schema: { exclude: Array.from({ length: 65 }, (_, i) => `f${i}`) } }, field: 'spec.schema.exclude', message: /at most 64/ },
    { why: 'refuses an exclude class holding *', patch: { schema: { exclude: ['a[*]'] } }, field: 'spec.schema.exclude[0]', message: /must not hold/ },
    { why: 'refuses the score listed as categorical', patch: { schema: { score: 'p', categorical: ['p'] } }, field: 'spec.schema.categorical', message: /lists the score field "p"/ },
    { why: 'refuses an impossible schedule', patch: { schedule: '0 0 31 2 *' }, field: 'spec.schedule', message: /never fires/ },
    { why: 'accepts February 29', patch: { schedule: '0 0 29 2 *' } },
    { why: 'accepts segment columns with and without topK', patch: { schema: { segments: [{ column: 'country' }, { column: 'device', topK: 20 }] } } },
    { why: 'refuses a segment column that is the default score field', patch: { schema: { segments: [{ column: 'score' }] } }, field: 'spec.schema.segments[0].column', message: /is the score field/ },
    { why: 'refuses a segment column that is the named timestamp field', patch: { schema: { timestamp: 'when', segments: [{ column: 'when' }] } }, field: 'spec.schema.segments[0].column', message: /is the timestamp field/ },
    { why: 'refuses a topK above 20', patch: { schema: { segments: [{ column: 'country', topK: 21 }] } }, field: 'spec.schema.segments[0].topK' },
    { why: 'refuses more than 3 segment columns', patch: { schema: { segments: ['a', 'b', 'c', 'd'].map((column) => ({ column })) } }, field: 'spec.schema.segments', message: /at most 3 segment columns/ },
    { why: 'refuses a segment column listed twice', patch: { schema: { segments: [{ column: 'a' }, { column: 'a', topK: 2 }] } }, field: 'spec.schema.segments[1].column', message: /listed twice/ },
    { why: 'refuses credentials in the influx URL', patch: { source: { influx: { database: 'd', measurement: 'm', url: 'http://u:pw@influx:8086' } } }, field: 'spec.source.influx.url', message: /"http:\/\/\*\*\*@influx:8086" holds credentials/ },
    { why: 'refuses credentials in the alertmanagerURL', patch: { alerting: { alertmanagerURL: 'https://u:pw@am:9093/' } }, field: 'spec.alerting.alertmanagerURL', message: /credentials/ },
    { why: 'refuses credentials in a file URL', patch: { source: { file: { path: 'https://u:pw@logs/x.jsonl' } } }, field: 'spec.source.file.path', message: /credentials/ },
    { why: 'refuses credentials in a URL of another scheme', patch: { source: { file: { path: 'ftp://u:pw@logs/x.jsonl' } } }, field: 'spec.source.file.path', message: /"ftp:\/\/\*\*\*@logs\/x.jsonl" holds credentials/ },
    { why: 'refuses a URL with an unclosed IPv6 bracket', patch: { source: { influx: { database: 'd', measurement: 'm', url: 'http://[::1' } } }, field: 'spec.source.influx.url', message: /not a valid http\(s\) URL/ },
    { why: 'refuses a port above 65535', patch: { alerting: { alertmanagerURL: 'http://am:70000' } }, field: 'spec.alerting.alertmanagerURL' },
    { why: 'refuses a .CSV.GZ path read as jsonl, in any case', patch: { source: { file: { path: '/data/x.CSV.GZ' } } }, field: 'spec.source.file.format', message: /set format: csv/ },
    { why: 'judges a URL\'s extension before its query', patch: { source: { file: { path: 'https://logs/x.parquet?as=jsonl', format: 'jsonl' } } }, field: 'spec.source.file.format', message: /set format: parquet/ },
    { why: 'reads "?" in a local path as a glob, not a query', patch: { source: { file: { path: '/data/part-?.csv' } } }, field: 'spec.source.file.format', message: /set format: csv/ },
    { why: 'refuses the label listed as categorical', patch: { schema: { label: 'y', categorical: ['y'] } }, field: 'spec.schema.categorical' },
    { why: 'refuses a duplicate categorical field', patch: { schema: { categorical: ['a', 'a'] } }, field: 'spec.schema.categorical[1]' },
    { why: 'refuses a timestamp equal to the label', patch: { schema: { label: 't', timestamp: 't' } }, field: 'spec.schema.timestamp' },
    { why: 'accepts a label horizon of 60 windows', patch: { schema: { labelDelay: 60 } } },
    { why: 'accepts a label horizon of 0 windows', patch: { schema: { labelDelay: 0 } } },
    { why: 'refuses a label horizon beyond 60 windows', patch: { schema: { labelDelay: 61 } }, field: 'spec.schema.labelDelay' },
    { why: 'refuses a fractional label horizon', patch: { schema: { labelDelay: 1.5 } }, field: 'spec.schema.labelDelay', message: /integer/ },
    { why: 'refuses a negative label horizon', patch: { schema: { labelDelay: -1 } }, field: 'spec.schema.labelDelay' },
    { why: 'accepts an empty alertmanagerURL (the operator default)', patch: { alerting: { alertmanagerURL: '' } } },
    { why: 'refuses a label key starting with __', patch: { alerting: { labels: { __name__: 'x' } } }, field: 'spec.alerting.labels' },
    { why: 'refuses an annotation key with a dot', patch: { alerting: { annotations: { 'runbook.url': 'x' } } }, field: 'spec.alerting.annotations' },
    { why: 'refuses a non-string label value', patch: { alerting: { labels: { team: 3 } } }, field: 'spec.alerting.labels.team' },
    { why: 'refuses an influx URL that is not http(s)', patch: { source: { influx: { database: 'd', measurement: 'm', url: 'influx:8086' } } }, field: 'spec.source.influx.url' },
    { why: 'refuses a Secret name with upper case', patch: { source: { influx: { database: 'd', measurement: 'm', credentialsSecretRef: { name: 'Reader' } } } }, field: 'spec.source.influx.credentialsSecretRef.name' },
    { why: 'refuses an unknown spec field', patch: { thresholds: {} }, field: 'spec.thresholds' },
    { why: 'refuses a string for suspend', patch: { suspend: 'yes' }, field: 'spec.suspend' },
    { why: 'refuses a missing model', patch: { model: undefined }, field: 'spec.model' },
    { why: 'refuses an empty source', patch: { source: {} }, field: 'spec.source', message: /one of influx or file/ },
  ];
  for (const c of cases) {
    it(`${c.why}`, () => {
      const errors = validateSpec(spec(c.patch));
      if (c.field === undefined) {
        assert.deepEqual(errors, []);
        return;
      }
      const match = errors.find((e) => e.field === c.field);
      assert.ok(match, `expected an error at ${c.field}, got ${JSON.stringify(errors)}`);
      if (c.message) assert.match(match.message, c.message);
    });
  }

  for (const c of SCHEDULE_CASES) {
    it(`${c.valid ? 'accepts' : 'refuses'} the schedule "${c.schedule}" (${c.why})`, () => {
      assert.equal(validateSpec(spec({ schedule: c.schedule })).length === 0, c.valid);
    });
  }

  it('never quotes the credentials of a URL in any message', () => {
    const secret = 'hunter2-secret';
    const urls = [`http://user:${secret}@influx:8086`, `http://user:${secret}@[::1`, `https://${secret}@h/a b`, `ftp://u:${secret}@h/`];
    for (const url of urls) {
      const errors = validateSpec(spec({ source: { file: { path: url } }, alerting: { alertmanagerURL: url } }));
      assert.ok(errors.length >= 2, JSON.stringify(errors));
      assert.ok(!JSON.stringify(errors).includes(secret), JSON.stringify(errors));
      const influx = validateSpec(spec({ source: { influx: { database: 'd', measurement: 'm', url } } }));
      assert.ok(!JSON.stringify(influx).includes(secret), JSON.stringify(influx));
    }
  });

  it('reports every problem at once, not only the first', () => {
    const errors = validateSpec(spec({ granularity: '1w', mode: 'Audit', detection: { minSeverity: -1 } }));
    assert.deepEqual(fields(errors).sort(), ['spec.detection.minSeverity', 'spec.granularity', 'spec.mode']);
  });
});

describe('redactURL', () => {
  const cases: [string, string][] = [
    ['http://user:pass@host:8086/x', 'http://***@host:8086/x'],
    ['https://token@host', 'https://***@host'],
    ['http://host/a@b', 'http://host/a@b'],
    ['/data/x@y.jsonl', '/data/x@y.jsonl'],
  ];
  for (const [url, shown] of cases) {
    it(`shows ${url} as ${shown}`, () => {
      assert.equal(redactURL(url), shown);
    });
  }
});
