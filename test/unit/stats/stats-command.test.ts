import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { EXIT_FAILED } from '../../../operator/src/cli.js';
import { repoRoot } from '../../harness/golden.js';

const exec = promisify(execFile);
const cli = new URL('../../../operator/src/cli.js', import.meta.url).href;
const FIXTURES = join(repoRoot(), 'test', 'fixtures', 'logs');

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `alertiger stats ARGS` in a child process (the compiled CLI of this build). */
async function stats(...args: string[]): Promise<Outcome> {
  const script = `import { main } from ${JSON.stringify(cli)}; process.exitCode = await main(['stats', ...process.argv.slice(1)]);`;
  try {
    const { stdout, stderr } = await exec(process.execPath, ['--input-type=module', '-e', script, '--', ...args]);
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('alertiger stats', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'alertiger-stats-cmd-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('prints one JSON object with rows, corrupt, features, score and label, and lists corrupt lines on stderr', async () => {
    const out = await stats('--data', join(FIXTURES, 'small.jsonl'), '--categorical', 'country');
    assert.equal(out.code, 0, out.stderr);
    const lines = out.stdout.trim().split('\n');
    assert.equal(lines.length, 1);
    const result = JSON.parse(lines[0]) as Record<string, unknown>;
    assert.deepEqual(Object.keys(result), ['rows', 'corrupt', 'features', 'score', 'label', 'corruptLines', 'infinite', 'quality']);
    assert.equal(result.rows, 5);
    assert.equal(result.corrupt, 2);
    const features = result.features as Record<string, Record<string, unknown>>;
    assert.deepEqual(Object.keys(features.age), ['count', 'missing_rate', 'invalid_rate', 'non_finite_rate', 'zero_rate', 'mean', 'std', 'min', 'max', 'p1', 'p5', 'p25', 'p50', 'p75', 'p95', 'p99', 'drift']);
    assert.deepEqual(Object.keys(features.country), ['count', 'missing_rate', 'invalid_rate', 'distinct_count', 'top_share', 'unseen_share', 'entropy', 'drift']);
    assert.deepEqual(Object.keys(result.score as object), ['traffic', 'missing_rate', 'invalid_rate', 'non_finite_rate', 'mean', 'std', 'min', 'max', 'p1', 'p5', 'p25', 'p50', 'p75', 'p95', 'p99', 'positive_rate', 'drift']);
    assert.deepEqual(Object.keys(result.label as object), ['label_coverage', 'positive_rate', 'auc', 'log_loss', 'calibration', 'mae', 'rmse']);
    const quality = result.quality as Record<string, unknown>;
    assert.deepEqual(Object.keys(quality), ['corrupt_lines', 'corrupt_rate', 'invalid_values', 'non_finite_values', 'duplicate_rows', 'future_rows', 'fields', 'examples', 'invalidExamples', 'missingColumns', 'typeConflicts']);
    assert.equal(quality.corrupt_lines, 2);
    assert.equal(quality.invalid_values, 1);
    assert.equal(quality.non_finite_values, 1);
    assert.deepEqual(quality.fields, { age: { invalid: 1, nonFinite: 1 } });
    assert.match(out.stderr, /2 corrupt lines skipped/);
    assert.match(out.stderr, /1 invalid value: 1 in numeric feature 'age'/);
    assert.match(out.stderr, /line 3: bad JSON/);
  });

  it('takes the format, score and label fields and threshold from options', async () => {
    const noExt = join(dir, 'log');
    copyFileSync(join(FIXTURES, 'small.csv'), noExt);
    const out = await stats('--data', noExt, '--format', 'csv', '--score', 'age', '--label', 'score', '--threshold', '40', '--exclude', 'not*');
    assert.equal(out.code, 0, out.stderr);
    const result = JSON.parse(out.stdout) as { features: Record<string, unknown>; score: Record<string, number>; label: Record<string, number> };
    assert.deepEqual(Object.keys(result.features).sort(), ['country', 'label']);
    assert.equal(result.score.traffic, 3);
    assert.equal(result.score.positive_rate, 2 / 3);
    assert.equal(result.label.label_coverage, 1);
  });

  it('saves a reference and measures drift and unseen categories against it', async () => {
    const ref = join(dir, 'ref.json');
    assert.equal((await stats('--data', join(FIXTURES, 'small.jsonl'), '--save-reference', ref)).code, 0);
    const out = await stats('--data', join(FIXTURES, 'small.jsonl'), '--reference', ref);
    const result = JSON.parse(out.stdout) as { features: Record<string, Record<string, number>>; score: Record<string, number> };
    assert.equal(result.features.age.drift, 0);
    assert.equal(result.features.country.drift, 0);
    assert.equal(result.features.country.unseen_share, 0);
    assert.equal(result.score.drift, 0);
  });

  it('prints one object per window with --granularity', async () => {
    const out = await stats('--data', join(FIXTURES, 'small.jsonl'), '--granularity', '1d');
    assert.equal(out.code, 0, out.stderr);
    const windows = out.stdout.trim().split('\n').map((l) => JSON.parse(l) as { windowStart: string; rows: number });
    assert.deepEqual(windows.map((w) => [w.windowStart, w.rows]), [['2026-03-01T00:00:00.000Z', 4], ['2026-03-02T00:00:00.000Z', 1]]);
  });

  it('reports the named columns the log lacks and the future rows under quality, and a wrong --timestamp as an error', async () => {
    const lacks = await stats('--data', join(FIXTURES, 'small.jsonl'), '--label', 'clicked', '--categorical', 'country,device');
    assert.equal(lacks.code, 0, lacks.stderr);
    const quality = (JSON.parse(lacks.stdout) as { quality: { missingColumns: unknown[] } }).quality;
    assert.deepEqual(quality.missingColumns, [{ field: 'clicked', setting: '--label' }, { field: 'device', setting: '--categorical' }]);
    assert.match(lacks.stderr, /column 'clicked' named in --label is absent/);
    const future = join(dir, 'future.jsonl');
    writeFileSync(future, [JSON.stringify({ ts: '2026-03-01T00:00:00Z', x: 1 }), JSON.stringify({ ts: '2099-01-01T00:00:00Z', x: 2 })].join('\n') + '\n');
    const windowed = await stats('--data', future, '--granularity', '1d');
    assert.equal(windowed.code, 0, windowed.stderr);
    const last = JSON.parse(windowed.stdout.trim().split('\n').pop()!) as { rows: number; quality: Record<string, number> };
    assert.equal(last.rows, 1);
    assert.equal(last.quality.future_rows, 1);
    assert.match(windowed.stderr, /1 row dated after the run \(ignored\)/);
    const typo = await stats('--data', join(FIXTURES, 'small.jsonl'), '--granularity', '1d', '--timestamp', 'time');
    assert.equal(typo.code, EXIT_FAILED);
    assert.match(typo.stderr, /no row of the log has the timestamp field "time".*fields seen: age, country, label, score, ts.*\[TimestampFieldMissing\]/);
  });

  it('exits 2 (failed) naming the file when it does not exist, and for bad options', async () => {
    const missing = await stats('--data', join(dir, 'nope.jsonl'));
    assert.equal(missing.code, EXIT_FAILED);
    assert.match(missing.stderr, /nope\.jsonl.*\[SourceNotFound\]/);
    const format = await stats('--data', join(FIXTURES, 'small.jsonl'), '--format', 'xml');
    assert.equal(format.code, EXIT_FAILED);
    assert.match(format.stderr, /--format must be one of jsonl, csv, parquet, got "xml"/);
    assert.equal((await stats()).code, EXIT_FAILED);
    assert.match((await stats('--data', join(FIXTURES, 'small.jsonl'), '--threshold', 'high')).stderr, /--threshold must be a number/);
  });
});
