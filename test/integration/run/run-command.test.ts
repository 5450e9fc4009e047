/**
 * `alertiger run` as a user calls it: a ModelMonitor file and a local JSONL log, the embedded
 * store in a directory kept between runs, the real statistics, detector and filters. Runs the
 * CLI as a separate process, like a script would.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { DEFAULT_START, generateInferenceLog, writeJsonl } from '../../../operator/src/synthetic/index.js';
import { alertiger } from '../../harness/cli.js';

const DAY = 86_400_000;
const start = Date.parse(DEFAULT_START);
const detector = process.env.ALERTIGER_TEST_DETECTOR;

describe('alertiger run (local log, embedded store)', function () {
  this.timeout(120_000);
  let dir: string;
  const at = (day: number): string => new Date(start + day * DAY + 2 * 3600_000).toISOString();
  const withDetector = (args: string[]): string[] => (detector !== undefined ? [...args, '--detector', detector] : args);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'alertiger-run-cli-'));
    const rows = generateInferenceLog({
      seed: 3, days: 40, rowsPerDay: 400, asOf: new Date(start + 80 * DAY),
      incidents: [{ kind: 'missing', feature: 'purchase_amount', rate: 0.45, fromDay: 36 }],
    });
    await writeJsonl(join(dir, 'log.jsonl'), rows as unknown as Array<Record<string, unknown>>);
    writeFileSync(join(dir, 'monitor.yaml'), yaml.dump({
      apiVersion: 'alertiger.io/v1alpha1', kind: 'ModelMonitor', metadata: { name: 'propensity' },
      spec: { model: { name: 'propensity' }, source: { file: { path: '/placeholder.jsonl' } }, schema: { categorical: ['country', 'device', 'channel'] } },
    }));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reports Healthy (exit 0) before the incident, building history in the store', async () => {
    const r = await alertiger(withDetector(['run', '-f', 'monitor.yaml', '--data', 'log.jsonl', '--store', 'store', '--now', at(35)]), dir);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^NAME\s+MODEL\s+HEALTH\s+ANOMALIES\s+LAST RUN\s+AGE\npropensity\s+propensity\s+Healthy\s+0\s/);
    assert.match(r.stdout, /Stored 35 window\(s\)/, 'all the log holds so far: 35 days, fewer than the 38-window backfill');
    assert.ok(existsSync(join(dir, 'store', 'default', 'propensity', 'unversioned', 'statistics.json')));
  });

  it('reports Anomalous (exit 1) once the incident lasts, naming the statistic, and writes the report', async () => {
    const first = await alertiger(withDetector(['run', '-f', 'monitor.yaml', '--data', 'log.jsonl', '--store', 'store', '--now', at(37)]), dir);
    assert.match(first.stdout, /Stored 2 window\(s\)/, 'a run catches up every window since the last one');
    const r = await alertiger(withDetector(['run', '-f', 'monitor.yaml', '--data', 'log.jsonl', '--store', 'store', '--now', at(38)]), dir);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /propensity\s+propensity\s+Anomalous\s+\d+/);
    assert.match(r.stdout, /feature\s+purchase_amount\s+missing_rate\s/);
    const report = /Report: (.+)$/m.exec(r.stdout)?.[1];
    assert.ok(report !== undefined && existsSync(report));
    assert.match(readFileSync(report, 'utf8'), /purchase_amount/);
  });

  it('defaults the run time to the end of an old log', async () => {
    const r = await alertiger(withDetector(['run', '-f', 'monitor.yaml', '--data', 'log.jsonl', '--store', 'store2']), dir);
    assert.match(r.stdout, /Stored 38 window\(s\)/);
    assert.match(r.stdout, /Anomalous/);
  });

  it('refuses an invalid monitor naming the field, with exit 1', async () => {
    writeFileSync(join(dir, 'bad.yaml'), yaml.dump({ apiVersion: 'alertiger.io/v1alpha1', kind: 'ModelMonitor', metadata: { name: 'bad' }, spec: { model: { name: 'x' }, source: { file: { path: '/x.jsonl' } }, granularity: '1w' } }));
    const r = await alertiger(['run', '-f', 'bad.yaml', '--data', 'log.jsonl'], dir);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /bad\.yaml is not a valid ModelMonitor:\n\s+spec\.granularity: /);
  });

  it('names the missing log file', async () => {
    const r = await alertiger(withDetector(['run', '-f', 'monitor.yaml', '--data', 'nope.jsonl', '--now', at(38)]), dir);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no file matches .*nope\.jsonl|nope\.jsonl cannot be read/);
  });
});
