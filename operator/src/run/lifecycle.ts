/**
 * The lifecycle of an anomaly across runs, pure:
 *
 * - Masked history. A point an earlier run judged anomalous enters later windows as the
 *   baseline expected there, not as observed: a fault that persists never becomes the baseline
 *   (the method alone forgets a fault once it fills the window, after 3 days at 1d).
 * - Open until back. An open anomaly stays open while its statistic lies outside the band that
 *   was expected before it started (the masked history keeps that band), even where the score,
 *   severity or duration rules alone would not raise it again.
 * - Accepted. A person who decides the new level is the new normal says so on the resource
 *   (annotation alertiger.io/accept: "category/subject/statistic,..." or "*" for every open
 *   one); from the run that first sees it, that series' history is taken as observed, so the
 *   detector learns the new level and the anomaly closes.
 */
import type { AcceptedChange, AnomalyStatus } from '../api/types.js';
import { MAX_ACCEPTED } from '../api/types.js';
import type { DetectionPoint, StatCategory, StatSeries } from './ports.js';
import { seriesKey } from './noise.js';

/** An earlier run's verdict on one point. */
export interface Verdict {
  anomaly: boolean;
  baseline: number;
}

/** Stored verdicts: series key -> window start -> verdict. */
export type Verdicts = Map<string, Map<number, Verdict>>;

export function verdictsOf(points: readonly DetectionPoint[]): Verdicts {
  const out: Verdicts = new Map();
  for (const p of points) {
    if (p.category === 'model') continue;
    const key = seriesKey(p);
    const series = out.get(key) ?? new Map<number, Verdict>();
    series.set(p.time, { anomaly: p.anomaly, baseline: p.baseline });
    out.set(key, series);
  }
  return out;
}

export interface MaskOptions {
  /** Per category, the first window this run scores: verdicts from there on are rescored now. */
  scoreFrom: (category: StatCategory) => number;
  /** Accepted series: key -> time from which their history is taken as observed. */
  accepted: ReadonlyMap<string, number>;
}

/**
 * The history the detector sees: every point an earlier run flagged (and that this run does not
 * rescore) replaced by the baseline that run expected there, and a point no run scored inside
 * such an episode left out (missing); for an accepted series, the history before its episode
 * moved to the episode's level instead. Returns the points replaced.
 */
export function maskHistory(series: readonly StatSeries[], verdicts: Verdicts, options: MaskOptions): { series: StatSeries[]; masked: number } {
  let masked = 0;
  const out = series.map((s) => {
    const key = seriesKey(s);
    const stored = verdicts.get(key);
    if (stored === undefined) return s;
    const acceptedSince = options.accepted.get(key);
    const values = acceptedSince !== undefined ? releveled(s, stored, acceptedSince) : [...s.values];
    const before = options.scoreFrom(s.category);
    // Whether the newest verdict so far was anomalous: a point no run scored (too few rows, a
    // sparse hour) inside an open episode is no evidence of the normal level either.
    let open = false;
    for (let i = 0; i < s.times.length; i++) {
      const t = s.times[i];
      if (t >= before || (acceptedSince !== undefined && t < acceptedSince)) continue;
      const v = stored.get(t);
      if (v !== undefined) open = v.anomaly;
      if (v === undefined ? !open : !v.anomaly) continue;
      values[i] = v !== undefined && Number.isFinite(v.baseline) ? v.baseline : NaN;
      masked++;
    }
    return { ...s, values };
  });
  return { series: out, masked };
}

/**
 * An accepted series' values with the history before its accepted episode moved to the
 * episode's level: scaled by the median observed/baseline ratio when the change is a factor
 * (a unit change), else shifted by the median difference. The detector then sees one level
 * instead of a step, whose band would otherwise stay wide for weeks.
 */
export function releveled(s: StatSeries, stored: ReadonlyMap<number, Verdict>, since: number): number[] {
  const values = [...s.values];
  const episode: number[] = [];
  for (let i = 0; i < s.times.length; i++) {
    const v = stored.get(s.times[i]);
    if (s.times[i] < since && v?.anomaly === true && Number.isFinite(v.baseline)) episode.push(i);
  }
  if (episode.length === 0) return values;
  const baselineOf = (i: number): number => stored.get(s.times[i])!.baseline;
  const ratios = episode.map((i) => values[i] / baselineOf(i));
  const ratio = median(ratios);
  const byFactor = episode.every((i) => values[i] > 0 && baselineOf(i) > 0) && (ratio > 2 || ratio < 0.5);
  const offset = median(episode.map((i) => values[i] - baselineOf(i)));
  for (let i = 0; i < episode[0]; i++) values[i] = byFactor ? values[i] * ratio : values[i] + offset;
  return values;
}

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const m = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
}

/**
 * The episode rule over one series' scored points (oldest first): a point is anomalous when the
 * filters keep it, or when the point before it was anomalous and it is still outside its band.
 * `openBefore` is the stored verdict of the point just before the first one scored.
 */
export function continueEpisodes(keep: ArrayLike<number>, outside: ArrayLike<number>, openBefore: boolean): Uint8Array {
  const out = new Uint8Array(keep.length);
  let open = openBefore;
  for (let i = 0; i < keep.length; i++) {
    open = keep[i] === 1 || (open && outside[i] === 1);
    out[i] = open ? 1 : 0;
  }
  return out;
}

/** The stored verdict of the newest point before `time`, with its time. */
function newestBefore(stored: ReadonlyMap<number, Verdict>, time: number): { time: number; verdict: Verdict } | undefined {
  let newest: { time: number; verdict: Verdict } | undefined;
  for (const [t, verdict] of stored) if (t < time && (newest === undefined || t > newest.time)) newest = { time: t, verdict };
  return newest;
}

/**
 * Whether the stored verdict of the newest point before `time` was anomalous; verdicts before
 * `notBefore` (an acceptance) do not count.
 */
export function openBefore(verdicts: Verdicts, key: string, time: number, notBefore = -Infinity): boolean {
  const newest = newestBefore(verdicts.get(key) ?? new Map(), time);
  return newest !== undefined && newest.verdict.anomaly && newest.time >= notBefore;
}

/**
 * The accepted changes after this run: those remembered (while still inside the history the
 * detector reads, `since >= oldest`), plus each open anomaly the annotation names that is not
 * accepted yet, since `now`.
 */
export function acceptedChanges(input: {
  annotation: string | undefined;
  open: readonly Pick<AnomalyStatus, 'category' | 'subject' | 'statistic' | 'members'>[];
  previous: readonly AcceptedChange[];
  now: Date;
  oldest: Date;
}): AcceptedChange[] {
  const kept = input.previous.filter((a) => Date.parse(a.since) >= input.oldest.getTime());
  const named = parseAcceptAnnotation(input.annotation);
  const known = new Set(kept.map((a) => a.key));
  const added: AcceptedChange[] = [];
  for (const a of input.open) {
    // Accepting a model-level shift accepts the features behind it.
    const keys = a.category === 'model'
      ? (a.members ?? []).map((m) => seriesKey({ category: 'feature', subject: m.subject, statistic: m.statistic }))
      : [seriesKey(a)];
    const accepted = named.all || named.keys.has(seriesKey(a)) || (a.category !== 'model' && named.keys.has(`${a.subject}/${a.statistic}`));
    if (!accepted) continue;
    for (const key of keys) {
      if (known.has(key)) continue;
      known.add(key);
      added.push({ key, since: input.now.toISOString() });
    }
  }
  return [...kept, ...added].slice(-MAX_ACCEPTED);
}

/** "*" or a comma-separated list of category/subject/statistic (or subject/statistic for features). */
export function parseAcceptAnnotation(value: string | undefined): { all: boolean; keys: Set<string> } {
  const items = (value ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
  return { all: items.includes('*'), keys: new Set(items.map((s) => (s.split('/').length === 2 ? `feature/${s}` : s))) };
}

/** Accepted changes as the mask options take them. */
export function acceptedMap(accepted: readonly AcceptedChange[]): Map<string, number> {
  return new Map(accepted.map((a) => [a.key, Date.parse(a.since)]));
}

/**
 * An open anomaly's start pushed back through the stored verdicts of its series: a run rescores
 * only its last few windows, so the episode may have begun long before them. Gaps of up to
 * `maxGap` unflagged windows stay inside one episode, as in run/episodes.ts.
 */
export function withEpisodeStart<T extends Pick<AnomalyStatus, 'category' | 'subject' | 'statistic' | 'start'>>(
  anomaly: T, verdicts: Verdicts, stepMs: number, maxGap: number,
): T {
  if (anomaly.category === 'model') return anomaly;
  const stored = verdicts.get(seriesKey(anomaly));
  if (stored === undefined) return anomaly;
  let start = Date.parse(anomaly.start);
  let gap = 0;
  const oldest = Math.min(...stored.keys());
  for (let t = start - stepMs; gap <= maxGap && t >= oldest; t -= stepMs) {
    const v = stored.get(t);
    // A window with no point (a quiet hour, nothing logged) is no evidence either way.
    if (v === undefined) continue;
    if (v.anomaly) {
      start = t;
      gap = 0;
    } else {
      gap++;
    }
  }
  const iso = new Date(start).toISOString();
  return iso === anomaly.start ? anomaly : { ...anomaly, start: iso };
}

/**
 * Open anomalies of the previous status whose series has no point in this run's newest window
 * (a quiet hour, a window with too few rows): no evidence that they ended, so they stay open
 * as they were, while the series' newest stored verdict is anomalous and at most `maxWindows`
 * old. Model-level anomalies are re-decided every run.
 */
export function carriedOver(input: {
  previous: readonly AnomalyStatus[];
  open: readonly AnomalyStatus[];
  /** Keys of the series that have a scored point in their newest window this run. */
  scoredNow: ReadonlySet<string>;
  verdicts: Verdicts;
  now: number;
  maxAgeMs: number;
}): AnomalyStatus[] {
  const open = new Set(input.open.map((a) => seriesKey(a)));
  return input.previous.filter((a) => {
    const key = seriesKey(a);
    if (a.category === 'model' || open.has(key) || input.scoredNow.has(key)) return false;
    const newest = newestBefore(input.verdicts.get(key) ?? new Map(), Infinity);
    return newest !== undefined && newest.verdict.anomaly && input.now - newest.time <= input.maxAgeMs;
  });
}
