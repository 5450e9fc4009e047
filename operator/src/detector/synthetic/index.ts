/**
 * The synthetic labelled-series generator behind the pretrained model, its evaluation and the
 * tests. Seeded: the same options give the same series. Each series is one statistic of one
 * model (see kinds.ts), with 0 to 3 incidents (incidents.ts) after a warm-up period, a few
 * missing points in some series, and a label per point (1 inside an incident).
 */
import type { Granularity } from '../../api/types.js';
import { createRng, type Rng } from '../random.js';
import { DAY_MS, HOUR_MS } from '../spec.js';
import { applyIncident, MATERIAL, pickIncidentKind, type Components, type Incident } from './incidents.js';
import { cleanSeries, KIND_WEIGHTS, pickWeighted, type Calendar, type Clean, type NoiseType, type SeriesKind } from './kinds.js';

export type { Incident, IncidentKind } from './incidents.js';
export type { NoiseType, SeriesKind } from './kinds.js';

export interface SyntheticSeries {
  name: string;
  kind: SeriesKind;
  noiseType: NoiseType;
  granularity: Granularity;
  /** Timestamp of values[0] (epoch ms, UTC midnight or hour). */
  start: number;
  stepMs: number;
  values: Float64Array;
  labels: Uint8Array;
  incidents: Incident[];
  /**
   * Ground truth, for the evaluation's oracle reference only: the value each point would be
   * expected to read if no incident were active at it (lasting effects of earlier incidents, a
   * permanent shift past its labelled week, count as the new normal), and the noise sd there.
   */
  truth: { expected: Float64Array; noiseSd: Float64Array };
  /**
   * The statistic's sampling sd at each point as a real run could compute it from the value and
   * its window's rows (NaN where a run could not): Poisson sqrt(max(x, 1)) for counts and sparse
   * counts, binomial sqrt(q (1 - q) / n) with q = x kept within [1/n, 1 - 1/n] for rates over n
   * rows. Not the generator's noise sd (which also holds day-to-day variation no run can see).
   */
  noise: Float64Array;
  /** The values the statistic can take (rates [0, 1], counts and distances >= 0). */
  domain?: { min?: number; max?: number };
}

/** The sampling sd a real run could attach to value x of a statistic of this kind (samplingNoise). */
export function samplingNoise(clean: Pick<Clean, 'kind' | 'samples'>, x: number): number {
  if (!Number.isFinite(x)) return NaN;
  if (clean.kind === 'count' || clean.kind === 'sparse') return Math.sqrt(Math.max(x, 1));
  if (clean.kind === 'rate' && clean.samples !== undefined) {
    const n = clean.samples;
    const q = Math.min(Math.max(x, 1 / n), 1 - 1 / n);
    return Math.sqrt((q * (1 - q)) / n);
  }
  return NaN;
}

function domainOf(clean: Clean): SyntheticSeries['domain'] {
  const d: { min?: number; max?: number } = {};
  if (Number.isFinite(clean.min)) d.min = clean.kind === 'distinct' ? 0 : clean.min;
  if (Number.isFinite(clean.max)) d.max = clean.max;
  return d.min === undefined && d.max === undefined ? undefined : d;
}

export interface GeneratorOptions {
  seed: number;
  count: number;
  /** Points per series (default 365 daily, 24 * 42 hourly). */
  length?: number;
  granularity?: Granularity;
  /** Points before the first possible incident (default: the detector window + a week). */
  warmup?: number;
  /** Share of series with no incident (default 0.3). */
  cleanShare?: number;
}

const EPOCH = Date.UTC(2024, 0, 1);

function calendar(start: number, n: number, stepMs: number): Calendar {
  const weekday = new Uint8Array(n);
  const hour = new Uint8Array(n);
  for (let t = 0; t < n; t++) {
    const d = new Date(start + t * stepMs);
    weekday[t] = d.getUTCDay();
    hour[t] = d.getUTCHours();
  }
  return { weekday, hour, perDay: stepMs === HOUR_MS ? 24 : 1 };
}

function oneSeries(index: number, options: Required<GeneratorOptions>, rng: Rng): SyntheticSeries {
  const hourly = options.granularity === '1h';
  const stepMs = hourly ? HOUR_MS : DAY_MS;
  const n = options.length;
  const start = EPOCH + rng.int(0, 364) * DAY_MS;
  const cal = calendar(start, n, stepMs);
  const kind = pickWeighted(rng, KIND_WEIGHTS);
  const clean = cleanSeries(kind, cal, rng);
  const comp = { mean: Float64Array.from(clean.mean), scale: Float64Array.from(clean.scale), override: new Float64Array(n).fill(NaN) };
  const labels = new Uint8Array(n);
  const incidents: Incident[] = [];
  const count = rng.chance(options.cleanShare) ? 0 : pickWeighted(rng, [[1, 0.5], [2, 0.35], [3, 0.15]] as const);
  // Incidents are spaced out: each starts past the previous one's end plus a window's worth of gap.
  const gap = hourly ? 72 : 21;
  let earliest = options.warmup;
  for (let k = 0; k < count; k++) {
    const remaining = count - k;
    const latest = n - remaining * (gap + 4);
    if (latest <= earliest) break;
    const at = rng.int(earliest, Math.min(latest, earliest + Math.floor((n - earliest) / remaining)));
    const incident = applyIncident(pickIncidentKind(kind, rng), at, clean, comp, cal.perDay, rng);
    incidents.push(incident);
    labels.fill(1, incident.start, incident.end);
    earliest = incident.end + gap;
  }
  const values = new Float64Array(n);
  for (let t = 0; t < n; t++) {
    values[t] = Number.isNaN(comp.override[t]) ? clean.compose(comp.mean[t], comp.scale[t], clean.noise[t], rng) : comp.override[t];
  }
  if (rng.chance(0.3)) {
    const rate = rng.logUniform(0.002, 0.03);
    for (let t = 0; t < n; t++) if (rng.chance(rate)) values[t] = NaN;
  }
  const truth = groundTruth(clean, comp, incidents);
  const noise = Float64Array.from(values, (x) => samplingNoise(clean, x));
  return {
    name: `${kind}-${index}`,
    kind,
    noiseType: clean.noiseType,
    granularity: options.granularity,
    start,
    stepMs,
    values,
    labels,
    incidents,
    truth,
    noise,
    domain: domainOf(clean),
  };
}

function groundTruth(clean: Clean, comp: Components, incidents: readonly Incident[]): SyntheticSeries['truth'] {
  const n = comp.mean.length;
  const sd = (scale: number): number => Math.max(scale, clean.unit, MATERIAL);
  const expected = Float64Array.from(comp.mean);
  const noiseSd = Float64Array.from(comp.scale, sd);
  for (const inc of incidents) {
    // Inside an incident: the clean series plus what earlier incidents left behind.
    const before = Math.max(0, inc.start - 1);
    const offset = comp.mean[before] - clean.mean[before];
    for (let t = inc.start; t < Math.min(n, inc.end); t++) {
      expected[t] = clean.mean[t] + offset;
      noiseSd[t] = sd(clean.scale[t]);
    }
  }
  return { expected, noiseSd };
}

/** Generates `count` labelled series. */
export function generateSeries(options: GeneratorOptions): SyntheticSeries[] {
  const granularity = options.granularity ?? '1d';
  const hourly = granularity === '1h';
  const full: Required<GeneratorOptions> = {
    seed: options.seed,
    count: options.count,
    granularity,
    length: options.length ?? (hourly ? 24 * 42 : 365),
    warmup: options.warmup ?? (hourly ? 168 + 24 : 35),
    cleanShare: options.cleanShare ?? 0.3,
  };
  const root = createRng(options.seed);
  return Array.from({ length: full.count }, (_, i) => oneSeries(i, full, root.fork()));
}
