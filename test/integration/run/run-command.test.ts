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

  it('refuses an invalid monitor naming the field, with exit 2', async () => {
    writeFileSync(join(dir, 'bad.yaml'), yaml.dump({ apiVersion: 'alertiger.io/v1alpha1', kind: 'ModelMonitor', metadata: { name: 'bad' }, spec: { model: { name: 'x' }, source: { file: { path: '/x.jsonl' } }, granularity: '1w' } }));
    const r = await alertiger(['run', '-f', 'bad.yaml', '--data', 'log.jsonl'], dir);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /bad\.yaml is not a valid ModelMonitor:\n\s+spec\.granularity: /);
  });

  it('names the missing log file, with exit 2', async () => {
    const r = await alertiger(withDetector(['run', '-f', 'monitor.yaml', '--data', 'nope.jsonl', '--now', at(38)]), dir);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /no file matches .*nope\.jsonl|nope\.jsonl cannot be read/);
  });
});

describe('alertiger run --replay (backfill of a history log)', function () {
  this.timeout(300_000);
  let dir: string;
  const date = (day: number): string => new Date(start + day * DAY).toISOString().slice(0, 10);
  const withDetector = (args: string[]): string[] => (detector !== undefined ? [...args, '--detector', detector] : args);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'alertiger-replay-cli-'));
    // 60 days; purchase_amount goes missing on days 40 to 45 only: a past incident.
    const rows = generateInferenceLog({
      seed: 5, days: 60, rowsPerDay: 400, asOf: new Date(start + 100 * DAY),
      incidents: [{ kind: 'missing', feature: 'purchase_amount', rate: 0.45, fromDay: 40, toDay: 46 }],
    });
    await writeJsonl(join(dir, 'log.jsonl'), rows as unknown as Array<Record<string, unknown>>);
    writeFileSync(join(dir, 'monitor.yaml'), yaml.dump({
      apiVersion: 'alertiger.io/v1alpha1', kind: 'ModelMonitor', metadata: { name: 'propensity' },
      spec: { model: { name: 'propensity' }, source: { file: { path: '/placeholder.jsonl' } }, schema: { categorical: ['country', 'device', 'channel'] } },
    }));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('evaluates every window up to --to from one read of the log and lists the past incident with its dates', async () => {
    const r = await alertiger(withDetector(['run', '-f', 'monitor.yaml', '--data', 'log.jsonl', '--store', 'store', '--replay', '--to', new Date(start + 50 * DAY + 3_600_000).toISOString()]), dir);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^NAME\s+MODEL\s+HEALTH\s+ANOMALIES\s+LAST RUN\s+AGE\npropensity\s+propensity\s+Healthy\s+0\s+\S+\s+4[89]d\n/, 'aged from the first replayed run: 49 days, less when the first run took longer than the last');
    assert.match(r.stdout, /^CATEGORY\s+SUBJECT\s+STATISTIC\s+START\s+END\s+RUNS\s+MAX SEVERITY\s+OBSERVED\s+EXPECTED\s+PEAK$/m);
    const episode = new RegExp(`^feature\\s+purchase_amount\\s+missing_rate\\s+${date(40)}\\s+(\\S+)\\s+(\\d+)\\s+\\S+\\s+(\\S+)\\s+(\\S+)\\s+\\S+$`, 'm').exec(r.stdout);
    assert.ok(episode !== null, r.stdout);
    assert.ok([date(44), date(45), date(46)].includes(episode[1]), `ended ${episode[1]}`);
    assert.ok(Number(episode[2]) >= 3, `open on ${episode[2]} runs`);
    assert.ok(Number(episode[3]) > 0.3 && Number(episode[4]) < 0.15, `observed ${episode[3]}, expected ${episode[4]}`);
    assert.match(r.stdout, new RegExp(`Replayed 50 window\\(s\\) \\(${date(0)} to ${date(49)}\\) from 1 read\\(s\\) of \\S+log\\.jsonl`));
    const report = /^Report: (.+)$/m.exec(r.stdout)?.[1];
    assert.ok(report !== undefined && existsSync(report));
    assert.match(readFileSync(report, 'utf8'), /Recent runs \(latest 30 of 50\)/, 'the report page of the final state, with the replayed runs');
    const status = JSON.parse(readFileSync(join(dir, 'store', 'default', 'propensity', 'unversioned', 'status.json'), 'utf8')) as { lastWindowEnd: string };
    assert.equal(status.lastWindowEnd, new Date(start + 50 * DAY).toISOString(), 'the store is on disk, up to the last window replayed');
  });

  it('continues from the store: a run computes only the next windows, and a second replay the rest', async () => {
    const run = await alertiger(withDetector(['run', '-f', 'monitor.yaml', '--data', 'log.jsonl', '--store', 'store', '--now', new Date(start + 52 * DAY + 3_600_000).toISOString()]), dir);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /Stored 2 window\(s\)/);
    const again = await alertiger(withDetector(['run', '-f', 'monitor.yaml', '--data', 'log.jsonl', '--store', 'store', '--replay']), dir);
    assert.equal(again.code, 0, again.stdout + again.stderr);
    assert.match(again.stdout, new RegExp(`Replayed 8 window\\(s\\) \\(${date(52)} to ${date(59)}\\) from 1 read\\(s\\)`));
    assert.match(again.stdout, /No anomaly episodes\./, 'the incident ended before this replay');
    const nothing = await alertiger(withDetector(['run', '-f', 'monitor.yaml', '--data', 'log.jsonl', '--store', 'store', '--replay']), dir);
    assert.equal(nothing.code, 0, nothing.stdout + nothing.stderr);
    assert.match(nothing.stdout, /Replayed 0 window\(s\)/);
    assert.match(nothing.stdout, /nothing new to replay/);
  });

  it('refuses --from after --to, and --now with --replay, with exit 2', async () => {
    const bad = await alertiger(['run', '-f', 'monitor.yaml', '--data', 'log.jsonl', '--replay', '--from', '2026-02-01', '--to', '2026-01-01'], dir);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--from 2026-02-01 is not before --to 2026-01-01/);
    const now = await alertiger(['run', '-f', 'monitor.yaml', '--data', 'log.jsonl', '--replay', '--now', '2026-02-01'], dir);
    assert.equal(now.code, 2);
    assert.match(now.stderr, /--now is for one run/);
  });
});
