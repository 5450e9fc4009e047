/**
 * A seeded synthetic inference log of one model (see model.ts), day by day: traffic with a weekly
 * shape and a daily cycle, sparse labels that arrive late, and optional incidents. The demo, the
 * end-to-end tests and `alertiger demo` users all read logs made here.
 */
import { AlertigerError } from '../errors.js';
import { corruptFeatures, scoreShift, trafficFactor, validateIncident, type Incident } from './incidents.js';
import { drawFeatures, logit, round, sigmoid, type FeatureValue } from './model.js';
import { DAY_MS } from '../api/granularity.js';
import { keyedRng, type Rng } from '../random.js';

export interface SyntheticLogOptions {
  /** Same seed, same options: the same rows, byte for byte. */
  seed?: number;
  days: number;
  /** Mean rows per day; weekdays run a little above it, weekends below. */
  rowsPerDay: number;
  /** Start of day 0 (ISO time or Date); 2026-01-05T00:00:00Z (a Monday) by default. */
  start?: string | Date;
  incidents?: readonly Incident[];
  /** Share of rows that ever receive a label; 0.2 by default. */
  labelRate?: number;
  /** Mean delay (days, exponential) before a label arrives; 2 by default. */
  labelDelayDays?: number;
  /** The moment the log is read: labels that arrive later are absent. The log's end by default. */
  asOf?: string | Date;
}

/** One scored request: ts, the inputs as served, the score, and the label when it has arrived. */
export interface InferenceRow {
  ts: string;
  score: number;
  label?: 0 | 1;
  [field: string]: FeatureValue | undefined;
}

/** Monday..Sunday traffic factors (mean about 1). */
const WEEKLY_SHAPE = [1.06, 1.07, 1.06, 1.05, 1.03, 0.87, 0.83];
export const DEFAULT_START = '2026-01-05T00:00:00Z';

/** Stream ids: each purpose has its own random stream per day. */
const STREAM = { traffic: 1, features: 2, incidents: 3, labels: 4, model: 5 } as const;

export function* generateInferenceLog(options: SyntheticLogOptions): Generator<InferenceRow, void, undefined> {
  const { days, rowsPerDay } = options;
  const seed = options.seed ?? 1;
  const incidents = options.incidents ?? [];
  const labelRate = options.labelRate ?? 0.2;
  const labelDelayMs = (options.labelDelayDays ?? 2) * DAY_MS;
  const startMs = toMs(options.start ?? DEFAULT_START, 'start');
  const asOfMs = options.asOf === undefined ? startMs + days * DAY_MS : toMs(options.asOf, 'asOf');
  if (!Number.isInteger(days) || days < 1) throw new AlertigerError('InvalidOptions', 'days must be an integer >= 1');
  if (!(rowsPerDay > 0)) throw new AlertigerError('InvalidOptions', 'rowsPerDay must be > 0');
  if (!(labelRate >= 0 && labelRate <= 1)) throw new AlertigerError('InvalidOptions', 'labelRate must be in [0, 1]');
  incidents.forEach(validateIncident);

  for (let day = 0; day < days; day++) {
    const dayStart = startMs + day * DAY_MS;
    const times = dayTimes(keyedRng(seed, day, STREAM.traffic), dayStart, rowsPerDay);
    const featureRng = keyedRng(seed, day, STREAM.features);
    const incidentRng = keyedRng(seed, day, STREAM.incidents);
    const labelRng = keyedRng(seed, day, STREAM.labels);
    const modelRng = keyedRng(seed, day, STREAM.model);
    const keep = trafficFactor(incidents, day);
    const shift = scoreShift(incidents, day);
    for (const t of times) {
      // Every row draws from every stream whether or not it is kept, so an incident on this day
      // leaves the clean values of the rows it keeps exactly as they would have been.
      const clean = drawFeatures(featureRng);
      const served = corruptFeatures(clean, incidents, day, incidentRng);
      const kept = keep >= 1 || incidentRng.next() < keep;
      const labelled = labelRng.next() < labelRate;
      const arrives = t + labelRng.exponential(labelDelayMs) <= asOfMs;
      const truth = labelRng.next() < sigmoid(logit(clean)) ? 1 : 0;
      const score = round(sigmoid(logit(served) + shift + 0.15 * modelRng.normal()), 5);
      if (!kept) continue;
      const row: InferenceRow = { ts: new Date(t).toISOString(), ...served, score };
      if (labelled && arrives) row.label = truth;
      yield row;
    }
  }
}

/**
 * The sorted request times of one day: a count from the weekly shape with a little day-to-day
 * noise, each time drawn from a daily cycle peaking mid-afternoon UTC (trough near 03:00).
 */
function dayTimes(rng: Rng, dayStartMs: number, rowsPerDay: number): number[] {
  const weekday = (new Date(dayStartMs).getUTCDay() + 6) % 7;
  const n = Math.max(0, Math.round(rowsPerDay * WEEKLY_SHAPE[weekday] * (1 + 0.03 * rng.normal())));
  const times = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    for (;;) {
      const u = rng.next();
      const density = 1 + 0.55 * Math.cos(2 * Math.PI * (u * 24 - 15) / 24);
      if (rng.next() * 1.55 < density) {
        times[i] = dayStartMs + Math.floor(u * DAY_MS);
        break;
      }
    }
  }
  return times.sort((a, b) => a - b);
}

function toMs(value: string | Date, name: string): number {
  const ms = value instanceof Date ? value.getTime() : Date.parse(value);
  if (!Number.isFinite(ms)) throw new AlertigerError('InvalidOptions', `${name} is not a valid time: ${String(value)}`);
  return ms;
}
