import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
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
    assert.deepEqual(Object.keys(result), ['rows', 'corrupt', 'features', 'score', 'label', 'corruptLines', 'infinite']);
    assert.equal(result.rows, 4);
    assert.equal(result.corrupt, 3);
    const features = result.features as Record<string, Record<string, unknown>>;
    assert.deepEqual(Object.keys(features.age), ['count', 'missing_rate', 'zero_rate', 'mean', 'std', 'min', 'max', 'p1', 'p5', 'p25', 'p50', 'p75', 'p95', 'p99', 'drift']);
    assert.deepEqual(Object.keys(features.country), ['count', 'missing_rate', 'distinct_count', 'top_share', 'unseen_share', 'entropy', 'drift']);
    assert.deepEqual(Object.keys(result.score as object), ['traffic', 'missing_rate', 'mean', 'std', 'min', 'max', 'p1', 'p5', 'p25', 'p50', 'p75', 'p95', 'p99', 'positive_rate', 'drift']);
    assert.deepEqual(Object.keys(result.label as object), ['label_coverage', 'positive_rate', 'auc', 'log_loss', 'calibration', 'mae', 'rmse']);
    assert.match(out.stderr, /3 corrupt lines skipped/);
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
    assert.deepEqual(windows.map((w) => [w.windowStart, w.rows]), [['2026-03-01T00:00:00.000Z', 3], ['2026-03-02T00:00:00.000Z', 1]]);
  });

  it('exits 1 naming the file when it does not exist, and for bad options', async () => {
    const missing = await stats('--data', join(dir, 'nope.jsonl'));
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /nope\.jsonl.*\[SourceNotFound\]/);
    const format = await stats('--data', join(FIXTURES, 'small.jsonl'), '--format', 'xml');
    assert.equal(format.code, 1);
    assert.match(format.stderr, /--format must be one of jsonl, csv, parquet, got "xml"/);
    assert.equal((await stats()).code, 1);
    assert.match((await stats('--data', join(FIXTURES, 'small.jsonl'), '--threshold', 'high')).stderr, /--threshold must be a number/);
  });
});
