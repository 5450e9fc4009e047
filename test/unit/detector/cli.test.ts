import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { run as detect } from '../../../operator/src/commands/detect.js';
import { run as train } from '../../../operator/src/commands/train.js';
import { createRng } from '../../../operator/src/detector/random.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2024, 0, 1);
const iso = (t: number): string => new Date(t).toISOString().slice(0, 10);

function csv(n: number, options: { spikeAt?: number; label?: boolean } = {}): string {
  const rng = createRng(n);
  const rows = Array.from({ length: n }, (_, t) => {
    const v = 100 + 5 * Math.sin((2 * Math.PI * t) / 7) + rng.normal() + (t === options.spikeAt ? 60 : 0);
    return `${iso(T0 + t * DAY)},${v.toFixed(3)}${options.label ? `,${t === options.spikeAt ? 1 : 0}` : ''}`;
  });
  return `timestamp,value${options.label ? ',label' : ''}\n${rows.join('\n')}\n`;
}

/** Runs a command with stdout and stderr captured. */
async function capture(fn: () => Promise<number>): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const o = process.stdout.write.bind(process.stdout);
  const e = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((chunk: string) => (out.push(String(chunk)), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string) => (err.push(String(chunk)), true)) as typeof process.stderr.write;
  try {
    const code = await fn();
    return { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    process.stdout.write = o;
    process.stderr.write = e;
  }
}

describe('alertiger detect', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'alertiger-detect-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes one row per point with enough history, anomaly after the filters', async () => {
    const input = path.join(dir, 'a.csv');
    await writeFile(input, csv(60));
    const r = await capture(() => detect(['--input', input]));
    const lines = r.stdout.trim().split('\n');
    assert.equal(r.code, lines.slice(1).some((l) => l.endsWith(',1')) ? 1 : 0, r.stderr);
    assert.equal(lines[0], 'timestamp,value,baseline,lower,upper,score,anomaly');
    assert.equal(lines.length, 1 + 32);
    const first = lines[1].split(',');
    assert.equal(first[0], iso(T0 + 28 * DAY));
    assert.ok(Number(first[3]) <= Number(first[2]) && Number(first[2]) <= Number(first[4]));
    assert.ok(['0', '1'].includes(first[6]));
  });

  it('writes several inputs into an output directory under their own names', async () => {
    await writeFile(path.join(dir, 'b.csv'), csv(40));
    await writeFile(path.join(dir, 'c.csv'), csv(45));
    const out = path.join(dir, 'out');
    const r = await capture(() => detect(['--input', path.join(dir, 'b.csv'), path.join(dir, 'c.csv'), '--output', out]));
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await readFile(path.join(out, 'b.csv'), 'utf8')).trim().split('\n').length, 13);
    assert.equal((await readFile(path.join(out, 'c.csv'), 'utf8')).trim().split('\n').length, 18);
  });

  it('sorts unordered rows, keeps the last duplicate and skips gaps, saying so', async () => {
    const lines = csv(40).trim().split('\n');
    const body = lines.slice(1);
    body.splice(35, 1); // a gap on day 35
    body.push(body[0]); // a duplicate of day 0, out of order
    const input = path.join(dir, 'messy.csv');
    await writeFile(input, [lines[0], ...body.reverse()].join('\n'));
    const r = await capture(() => detect(['--input', input, '--granularity', '1d']));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /messy\.csv: timestamps were not in time order; sorted/);
    assert.match(r.stderr, /1 duplicate timestamp\(s\)/);
    assert.match(r.stderr, /1 missing point\(s\) \(1 gap\(s\)/);
    const days = r.stdout.trim().split('\n').slice(1).map((l) => l.split(',')[0]);
    assert.equal(days.length, 11);
    assert.ok(!days.includes(iso(T0 + 35 * DAY)));
    assert.deepEqual([...days].sort(), days);
  });

  it('reports a series too short and a non-numeric value by file and line, and still scores the others', async () => {
    await writeFile(path.join(dir, 'short.csv'), csv(10));
    await writeFile(path.join(dir, 'bad.csv'), csv(40).replace(/\n2024-01-05,[^\n]*/, '\n2024-01-05,oops'));
    await writeFile(path.join(dir, 'ok.csv'), csv(40));
    const out = path.join(dir, 'out2');
    const r = await capture(() => detect(['-i', path.join(dir, 'short.csv'), path.join(dir, 'bad.csv'), path.join(dir, 'ok.csv'), '-o', out]));
    assert.equal(r.code, 2, 'a file failed');
    assert.match(r.stderr, /short\.csv: 10 daily points; scoring needs at least 29/);
    assert.match(r.stderr, /bad\.csv:6: value "oops" is not a number/);
    assert.ok((await readFile(path.join(out, 'ok.csv'), 'utf8')).length > 0);
  });

  it('exits 1 when a scored point is flagged, 0 when none is', async () => {
    const shifted = path.join(dir, 'shifted.csv');
    const lines = csv(60).trim().split('\n');
    // A lasting level shift of 60 (the noise is ~1) from day 50: flagged after the filters.
    await writeFile(shifted, [lines[0], ...lines.slice(1).map((l, t) => (t < 50 ? l : l.replace(/,([^,]+)$/, (_, v: string) => `,${(Number(v) + 60).toFixed(3)}`)))].join('\n') + '\n');
    const r = await capture(() => detect(['--input', shifted]));
    assert.equal(r.code, 1, r.stderr);
    assert.ok(r.stdout.trim().split('\n').slice(1).some((l) => l.endsWith(',1')));
    const quiet = await capture(() => detect(['--input', shifted, '--min-severity', '1000000']));
    assert.equal(quiet.code, 0, quiet.stderr);
    assert.ok(!quiet.stdout.trim().split('\n').slice(1).some((l) => l.endsWith(',1')));
  });

  it('asks for --granularity when the spacing is neither daily nor hourly', async () => {
    const input = path.join(dir, 'minutes.csv');
    await writeFile(input, 'timestamp,value\n' + Array.from({ length: 40 }, (_, i) => `${1_700_000_000 + 60 * i},${i}`).join('\n'));
    const r = await capture(() => detect(['--input', input]));
    assert.equal(r.code, 2);
    assert.match(r.stderr, /minutes\.csv: cannot infer daily or hourly spacing.*--granularity/);
  });
});

describe('alertiger train', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'alertiger-traincli-'));
    await writeFile(path.join(dir, 'one.csv'), csv(80, { spikeAt: 60, label: true }));
    await writeFile(path.join(dir, 'two.csv'), csv(90, { spikeAt: 70, label: true }));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('trains on a directory of labelled CSVs, shows progress, and the result scores with detect', async () => {
    const model = path.join(dir, 'model');
    const r = await capture(() => train(['--data', dir, '--output', model, '--epochs', '2', '--seed', '3']));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /train 1d stage 1 \[#+\] epoch 2\/2 loss/);
    assert.match(r.stderr, /train 1d stage 2 \[#+\] epoch 2\/2 loss/);
    const manifest = JSON.parse(await readFile(path.join(model, 'detector.json'), 'utf8'));
    assert.deepEqual(Object.keys(manifest.granularities), ['1d']);
    assert.equal(manifest.training.seed, 3);
    const d = await capture(() => detect(['--input', path.join(dir, 'one.csv'), '--model', model]));
    const rows = d.stdout.trim().split('\n');
    assert.equal(d.code, rows.slice(1).some((l) => l.endsWith(',1')) ? 1 : 0, d.stderr);
    assert.equal(rows.length, 1 + 52);
  });
});
