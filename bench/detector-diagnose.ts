/**
 * `node dist/bench/detector-diagnose.js [--model DIR] [--granularity 1d|1h] [--count N] [--seed S] [--threshold T]
 *   [--mask] [--no-sampling]`:
 * where the detector's event errors come from on a development seed (never the held-out one):
 * incidents caught per incident kind, false alarms per series kind and noise type.
 */
import { parseArgs } from 'node:util';
import { initBackend } from '../operator/src/detector/backend.js';
import { DEFAULT_THRESHOLD, scoreRegular } from '../operator/src/detector/detector.js';
import { eventCounts } from '../operator/src/detector/eval/metrics.js';
import { selectPoints } from '../operator/src/detector/features.js';
import { disposeModel, loadDetectorFiles } from '../operator/src/detector/io.js';
import { pretrainedModelPath } from '../operator/src/detector/paths.js';
import { generateSeries } from '../operator/src/detector/synthetic/index.js';

const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    count: { type: 'string' },
    seed: { type: 'string' },
    threshold: { type: 'string' },
    granularity: { type: 'string' },
    mask: { type: 'boolean' },
    'no-sampling': { type: 'boolean' },
  },
});
const granularity = values.granularity === '1h' ? '1h' : '1d';
await initBackend();
const { models } = await loadDetectorFiles(values.model ?? pretrainedModelPath());
const model = models.find((m) => m.spec.granularity === granularity)!;
const spec = model.spec;
const data = generateSeries({ seed: Number(values.seed ?? 99), count: Number(values.count ?? (granularity === '1d' ? 1000 : 250)), granularity });
// With the sampling noise and domain a run would attach (the generator's `noise`, `domain`).
const series = values['no-sampling'] === true ? data.map((d) => ({ start: d.start, values: d.values })) : data;
const points = selectPoints(series, spec);
const scored = scoreRegular(model, series, points, Number(values.threshold ?? DEFAULT_THRESHOLD), { mask: values.mask === true });
const byIncident = new Map<string, [number, number]>();
const byKind = new Map<string, [number, number]>();
let incidents = 0, caught = 0, falseAlarms = 0;
data.forEach((d, s) => {
  const n = d.values.length;
  const r = scored[s];
  const mask = new Uint8Array(n);
  const flags = new Uint8Array(n);
  for (let k = 0; k < r.timestamps.length; k++) {
    const t = Math.round((r.timestamps[k] - d.start) / spec.stepMs);
    mask[t] = 1;
    flags[t] = r.anomalous[k];
  }
  for (const inc of d.incidents) {
    const labels = new Uint8Array(n);
    labels.fill(1, inc.start, inc.end);
    const c = eventCounts(labels, flags, mask);
    const e = byIncident.get(inc.kind) ?? [0, 0];
    e[0] += c.caught; e[1] += c.incidents;
    byIncident.set(inc.kind, e);
  }
  const c = eventCounts(d.labels, flags, mask);
  incidents += c.incidents; caught += c.caught; falseAlarms += c.falseAlarms;
  const key = `${d.kind}/${d.noiseType}`;
  const k = byKind.get(key) ?? [0, 0];
  k[0] += c.falseAlarms; k[1] += 1;
  byKind.set(key, k);
});
const p = caught / (caught + falseAlarms), rc = caught / incidents;
console.log(`P ${p.toFixed(3)} R ${rc.toFixed(3)} F1 ${(2 * p * rc / (p + rc)).toFixed(3)} incidents ${incidents} caught ${caught} FA ${falseAlarms}`);
console.log('recall by incident kind:');
for (const [kind, [c, n]] of [...byIncident].sort()) console.log(`  ${kind.padEnd(16)} ${c}/${n} = ${(c / n).toFixed(2)}  missed ${n - c}`);
console.log('false alarms by series kind/noise (series):');
for (const [kind, [fa, n]] of [...byKind].sort((a, b) => b[1][0] - a[1][0])) console.log(`  ${kind.padEnd(16)} ${fa} over ${n} series`);
models.forEach(disposeModel);
