/**
 * Feedback by kubectl (docs/feedback.md): a person says what an anomaly was with one annotation
 * on the ModelMonitor,
 *
 *   kubectl annotate modelmonitor NAME feedback.alertiger.io/<id>=incident
 *   kubectl annotate modelmonitor NAME feedback.alertiger.io/<id>=false-alarm:planned backfill
 *
 * and the job, at its next run, matches the id with an anomaly (open on the status, or an
 * episode of the scored points stored in the last 90 days), stores the verdict in InfluxDB
 * (measurement alertiger_feedback, store/schema.ts) and counts the alert precision of the last
 * 30 and 90 days into status.feedback. Bad annotations (an unknown id, an unknown verdict) are
 * listed on status.feedback.rejected and never fail the run.
 *
 * A false alarm on an open anomaly is accepted as the new normal, as the alertiger.io/accept
 * annotation does (run/lifecycle.ts): the person said the level is fine, so the detector learns
 * it and the anomaly closes. An incident keeps the anomaly open.
 *
 * Everything here is pure except `feedbackOfRun`, which reads and writes through FeedbackStore.
 */
import { createHash } from 'node:crypto';
import type {
  AnomalyStatus, FeedbackCounts, FeedbackRejection, FeedbackStatus, ModelMonitor,
} from '../api/types.js';
import { describeError, errorCode } from '../errors.js';
import type { Logger } from '../log.js';
import { seriesKey } from './noise.js';
import type { DetectionPoint } from './ports.js';
import { baseSubject } from '../api/segments.js';

/** The annotation prefix; the name after it is the anomaly's id. */
export const FEEDBACK_PREFIX = 'feedback.alertiger.io/';
export const VERDICTS = ['incident', 'false-alarm'] as const;
export type FeedbackVerdict = (typeof VERDICTS)[number];
/** Hex characters of an anomaly id. */
export const ID_LENGTH = 10;
/** Longest note kept after the verdict ("false-alarm:planned backfill"): a hint, not a report. */
export const MAX_NOTE_LENGTH = 200;
/** Most rejected annotations listed on the status. */
export const MAX_REJECTED = 20;
/** The counting windows of status.feedback, in days. */
export const FEEDBACK_WINDOWS_DAYS = [30, 90] as const;
const DAY_MS = 86_400_000;

/** What identifies one anomaly episode: the monitor, the series and the episode's start. */
export interface AnomalyIdentity {
  namespace: string;
  monitor: string;
  category: string;
  subject: string;
  statistic: string;
  /** ISO-8601, as on the status; any spelling of the same instant gives the same id. */
  start: string;
}

/**
 * The anomaly's short stable id: the first 10 hex characters of sha256 of
 * `namespace/monitor/category/subject/statistic/start`. The same episode has the same id on the
 * status, in the alert and in InfluxDB, run after run.
 */
export function anomalyId(a: AnomalyIdentity): string {
  const ms = Date.parse(a.start);
  const start = Number.isNaN(ms) ? a.start : new Date(ms).toISOString();
  return createHash('sha256').update(`${a.namespace}/${a.monitor}/${a.category}/${a.subject}/${a.statistic}/${start}`).digest('hex').slice(0, ID_LENGTH);
}

/** The namespace and name of a monitor, as ids and feedback points use them. */
export function monitorIdentity(monitor: ModelMonitor): { namespace: string; monitor: string } {
  return { namespace: monitor.metadata.namespace ?? 'default', monitor: monitor.metadata.name };
}

/** The anomalies with their ids set (an id already there is recomputed: it is a function of the rest). */
export function withAnomalyIds<T extends Pick<AnomalyStatus, 'category' | 'subject' | 'statistic' | 'start'> & { id?: string }>(monitor: ModelMonitor, anomalies: readonly T[]): Array<T & { id: string }> {
  const who = monitorIdentity(monitor);
  return anomalies.map((a) => ({ ...a, id: anomalyId({ ...who, category: a.category, subject: a.subject, statistic: a.statistic, start: a.start }) }));
}

/** One feedback annotation that parsed. */
export interface FeedbackLabel {
  /** The annotation's key, to name it in messages. */
  annotation: string;
  id: string;
  verdict: FeedbackVerdict;
  note: string;
}

/**
 * The feedback annotations of a monitor: `feedback.alertiger.io/<id>` = `incident` or
 * `false-alarm`, optionally followed by `:note`. Other annotations are ignored; a feedback
 * annotation that does not parse is returned as a rejection naming the cause.
 */
export function parseFeedbackAnnotations(annotations: Readonly<Record<string, string>> | undefined): { labels: FeedbackLabel[]; rejected: FeedbackRejection[] } {
  const labels: FeedbackLabel[] = [];
  const rejected: FeedbackRejection[] = [];
  for (const annotation of Object.keys(annotations ?? {}).sort()) {
    if (!annotation.startsWith(FEEDBACK_PREFIX)) continue;
    const id = annotation.slice(FEEDBACK_PREFIX.length).toLowerCase();
    const value = annotations![annotation];
    if (!new RegExp(`^[0-9a-f]{${ID_LENGTH}}$`).test(id)) {
      rejected.push({ annotation, message: `"${id}" is not an anomaly id (${ID_LENGTH} hex characters, as status.anomalies[].id shows)` });
      continue;
    }
    const colon = value.indexOf(':');
    const verdict = (colon < 0 ? value : value.slice(0, colon)).trim().toLowerCase();
    const note = colon < 0 ? '' : value.slice(colon + 1).trim();
    if (!(VERDICTS as readonly string[]).includes(verdict)) {
      rejected.push({ annotation, message: `unknown verdict "${verdict.slice(0, 40)}": use incident or false-alarm, optionally followed by :note` });
    } else if (note.length > MAX_NOTE_LENGTH) {
      rejected.push({ annotation, message: `the note has ${note.length} characters; at most ${MAX_NOTE_LENGTH}` });
    } else {
      labels.push({ annotation, id, verdict: verdict as FeedbackVerdict, note });
    }
  }
  return { labels, rejected };
}

/** One stored verdict: a point of measurement alertiger_feedback (time = anomalyStart). */
export interface FeedbackRecord {
  namespace: string;
  monitor: string;
  category: AnomalyStatus['category'];
  subject: string;
  statistic: string;
  id: string;
  verdict: FeedbackVerdict;
  note: string;
  /** The anomaly's start, ISO-8601: the point's time, so writing it again replaces it. */
  anomalyStart: string;
}

/** What the feedback phase of a run reads and writes (store/influx.ts, store/embedded.ts). */
export interface FeedbackStore {
  /** Every stored verdict of the monitor. Feedback is a person's work: a handful, read whole. */
  readFeedback(): Promise<FeedbackRecord[]>;
  writeFeedback(records: FeedbackRecord[]): Promise<void>;
  /** The scored points flagged anomalous with a window start in [from, to), oldest first. */
  readAnomalousDetections(from: Date, to: Date): Promise<DetectionPoint[]>;
}

/**
 * One anomaly episode: a statistic's run of flagged windows (gaps of up to maxGap windows
 * inside). Its segment series (`score[origin=BOS]`, docs/segments.md) belong to it, as the run
 * groups them into one anomaly and one alert per statistic.
 */
export interface Episode {
  category: AnomalyStatus['category'];
  /** The population subject (no segment). */
  subject: string;
  statistic: string;
  /** First and last flagged window start, ms. */
  start: number;
  end: number;
  /** Every flagged window (start, ms) with the subject flagged there: an id made from any of them names the episode. */
  flagged: Array<{ time: number; subject: string }>;
}

/** An episode's key: category/population subject/statistic. */
function episodeKey(s: { category: string; subject: string; statistic: string }): string {
  return seriesKey({ ...s, subject: baseSubject(s.subject) });
}

/**
 * The episodes of stored flagged points: per series, flagged windows closer than maxGap + 2
 * windows apart are one episode, the rule run/episodes.ts applies to the newest one. (Windows
 * with no point at all are not told apart from unflagged ones here: an episode across a quiet
 * gap may split in two.)
 */
export function episodesOf(points: readonly DetectionPoint[], stepMs: number, maxGap: number): Episode[] {
  const bySeries = new Map<string, DetectionPoint[]>();
  for (const p of points) {
    if (!p.anomaly) continue;
    const key = episodeKey(p);
    const series = bySeries.get(key);
    if (series === undefined) bySeries.set(key, [p]);
    else series.push(p);
  }
  const episodes: Episode[] = [];
  for (const series of bySeries.values()) {
    const sorted = [...series].sort((a, b) => a.time - b.time || (a.subject < b.subject ? -1 : 1));
    const { category, statistic } = sorted[0];
    const subject = baseSubject(sorted[0].subject);
    let current: Episode | undefined;
    for (const p of sorted) {
      if (current !== undefined && p.time - current.end <= (maxGap + 1) * stepMs) {
        current.end = p.time;
      } else {
        episodes.push(current = { category, subject, statistic, start: p.time, end: p.time, flagged: [] });
      }
      current.flagged.push({ time: p.time, subject: p.subject });
    }
  }
  return episodes;
}

/**
 * Status anomalies as episodes: those a stored episode already covers (same series, start
 * inside it) are left out; the others (carried over a quiet window, or scored in a store this
 * phase could not read) become one-window episodes ending now.
 */
export function withOpenAnomalies(episodes: readonly Episode[], open: readonly Pick<AnomalyStatus, 'category' | 'subject' | 'statistic' | 'start'>[], now: number): Episode[] {
  const out = [...episodes];
  for (const a of open) {
    const start = Date.parse(a.start);
    if (Number.isNaN(start)) continue;
    const covering = out.find((e) => seriesKey(e) === episodeKey(a) && start >= e.start && start <= e.end);
    if (covering !== undefined) {
      if (!covering.flagged.some((f) => f.time === start && f.subject === a.subject)) covering.flagged.push({ time: start, subject: a.subject });
      continue;
    }
    out.push({ category: a.category, subject: baseSubject(a.subject), statistic: a.statistic, start, end: Math.max(start, now), flagged: [{ time: start, subject: a.subject }] });
  }
  return out;
}

/** What an id names: an episode, and the window start and subject the id was made from. */
export interface IdTarget {
  episode: Episode;
  start: number;
  subject: string;
}

/** id -> its episode, for every flagged window of every episode. */
export function episodeIds(who: { namespace: string; monitor: string }, episodes: readonly Episode[]): Map<string, IdTarget> {
  const ids = new Map<string, IdTarget>();
  for (const episode of episodes) {
    for (const { time, subject } of episode.flagged) {
      const id = anomalyId({ ...who, category: episode.category, subject, statistic: episode.statistic, start: new Date(time).toISOString() });
      if (!ids.has(id)) ids.set(id, { episode, start: time, subject });
    }
  }
  return ids;
}

/**
 * The records the parsed labels stand for: an id that names a known episode (or a verdict stored
 * earlier, for an anomaly no longer in the episodes read) gives a record at the start the id
 * encodes; any other id is rejected by name. Records equal to a stored one are not returned
 * (nothing to write).
 */
export function resolveFeedback(input: {
  who: { namespace: string; monitor: string };
  labels: readonly FeedbackLabel[];
  ids: ReadonlyMap<string, IdTarget>;
  stored: readonly FeedbackRecord[];
  /** Days of stored anomalies searched, for the message. */
  lookbackDays: number;
}): { toWrite: FeedbackRecord[]; matched: FeedbackRecord[]; rejected: FeedbackRejection[] } {
  const storedById = new Map(input.stored.map((r) => [r.id, r]));
  const toWrite: FeedbackRecord[] = [];
  const matched: FeedbackRecord[] = [];
  const rejected: FeedbackRejection[] = [];
  for (const label of input.labels) {
    const known = input.ids.get(label.id);
    const earlier = storedById.get(label.id);
    const identity = known !== undefined
      ? { category: known.episode.category, subject: known.subject, statistic: known.episode.statistic, anomalyStart: new Date(known.start).toISOString() }
      : earlier !== undefined ? { category: earlier.category, subject: earlier.subject, statistic: earlier.statistic, anomalyStart: earlier.anomalyStart } : undefined;
    if (identity === undefined) {
      rejected.push({ annotation: label.annotation, message: `no anomaly has id ${label.id} (none open, none stored in the last ${input.lookbackDays} days)` });
      continue;
    }
    const record: FeedbackRecord = { ...input.who, ...identity, id: label.id, verdict: label.verdict, note: label.note };
    matched.push(record);
    if (earlier === undefined || earlier.verdict !== record.verdict || earlier.note !== record.note || earlier.anomalyStart !== record.anomalyStart) toWrite.push(record);
  }
  return { toWrite, matched, rejected };
}

/**
 * status.feedback's counts for the window [now - days, now] by anomaly start: verdicts stored
 * (several on one episode count once, an incident over a false alarm), and the episodes that
 * started in the window with no verdict. Precision = incidents / (incidents + falseAlarms),
 * absent with no verdict.
 */
export function countFeedback(input: {
  episodes: readonly Episode[];
  ids: ReadonlyMap<string, IdTarget>;
  records: readonly FeedbackRecord[];
  now: number;
  days: number;
}): FeedbackCounts {
  const since = input.now - input.days * DAY_MS;
  const inWindow = (t: number): boolean => t >= since && t <= input.now;
  // One verdict per episode: an id that names a known episode counts for it, any other for itself.
  const verdicts = new Map<Episode | string, { verdict: FeedbackVerdict; start: number }>();
  for (const r of input.records) {
    const episode = input.ids.get(r.id)?.episode ?? input.episodes.find((e) => seriesKey(e) === episodeKey(r) && Date.parse(r.anomalyStart) >= e.start && Date.parse(r.anomalyStart) <= e.end);
    const key = episode ?? r.id;
    const start = episode?.start ?? Date.parse(r.anomalyStart);
    const before = verdicts.get(key);
    if (before === undefined || (before.verdict === 'false-alarm' && r.verdict === 'incident')) verdicts.set(key, { verdict: r.verdict, start });
  }
  let incidents = 0;
  let falseAlarms = 0;
  for (const v of verdicts.values()) {
    if (!inWindow(v.start)) continue;
    if (v.verdict === 'incident') incidents++;
    else falseAlarms++;
  }
  const unlabelled = input.episodes.filter((e) => inWindow(e.start) && !verdicts.has(e)).length;
  const counts: FeedbackCounts = { incidents, falseAlarms, unlabelled };
  if (incidents + falseAlarms > 0) counts.precision = Math.round((incidents / (incidents + falseAlarms)) * 10_000) / 10_000;
  return counts;
}

/**
 * The keys (category/subject/statistic) of the open anomalies of `open` that a false-alarm
 * annotation names: the run accepts them as the new normal (run/lifecycle.ts acceptedChanges).
 */
export function falseAlarmKeys(monitor: ModelMonitor, open: readonly AnomalyStatus[]): string[] {
  const { labels } = parseFeedbackAnnotations(monitor.metadata.annotations);
  const falseAlarms = new Set(labels.filter((l) => l.verdict === 'false-alarm').map((l) => l.id));
  if (falseAlarms.size === 0) return [];
  return withAnomalyIds(monitor, open).filter((a) => falseAlarms.has(a.id)).map((a) => seriesKey(a));
}

/** The accept annotation's value with the false-alarm keys added (lifecycle.ts parses it). */
export function acceptWithFalseAlarms(accept: string | undefined, keys: readonly string[]): string | undefined {
  if (keys.length === 0) return accept;
  return [accept ?? '', ...keys].filter((s) => s.trim() !== '').join(',');
}

/** Days of stored anomalies the ids are looked up in (the longest counting window). */
export const LOOKBACK_DAYS = Math.max(...FEEDBACK_WINDOWS_DAYS);

/**
 * The feedback phase of a run: parse the annotations, match them with the episodes stored in the
 * last 90 days and the open anomalies, write the new or changed verdicts, and count.
 */
export async function feedbackOfRun(input: {
  monitor: ModelMonitor;
  /** This run's open anomalies and the previous status's: both are ids a person may have copied. */
  open: readonly AnomalyStatus[];
  store: FeedbackStore;
  now: Date;
  stepMs: number;
  maxGap: number;
}): Promise<{ status: FeedbackStatus; written: FeedbackRecord[] }> {
  const who = monitorIdentity(input.monitor);
  const now = input.now.getTime();
  const parsed = parseFeedbackAnnotations(input.monitor.metadata.annotations);
  const [stored, flagged] = await Promise.all([
    input.store.readFeedback(),
    input.store.readAnomalousDetections(new Date(now - LOOKBACK_DAYS * DAY_MS), new Date(now + 1)),
  ]);
  const episodes = withOpenAnomalies(episodesOf(flagged, input.stepMs, input.maxGap), input.open, now);
  const ids = episodeIds(who, episodes);
  const resolved = resolveFeedback({ who, labels: parsed.labels, ids, stored, lookbackDays: LOOKBACK_DAYS });
  if (resolved.toWrite.length > 0) await input.store.writeFeedback(resolved.toWrite);
  // The stored verdicts as they are after this write (a changed verdict replaces the stored one).
  const written = new Map(resolved.toWrite.map((r) => [r.id, r]));
  const records = [...stored.filter((r) => !written.has(r.id)), ...resolved.toWrite];
  const [last30d, last90d] = FEEDBACK_WINDOWS_DAYS.map((days) => countFeedback({ episodes, ids, records, now, days }));
  // Bounded as the CRD bounds them: a key is at most 317 characters, a message 256.
  const rejected = [...parsed.rejected, ...resolved.rejected].slice(0, MAX_REJECTED)
    .map((r) => ({ annotation: r.annotation.slice(0, 317), message: r.message.slice(0, 256) }));
  return { status: { last30d, last90d, ...(rejected.length > 0 ? { rejected } : {}) }, written: resolved.toWrite };
}

/**
 * The run's hook: status.feedback from the store, or nothing (the previous counts stay) when the
 * run has no feedback store or it fails. Feedback only informs: it never fails the run.
 */
export async function runFeedback(input: {
  monitor: ModelMonitor;
  store: FeedbackStore | undefined;
  open: readonly AnomalyStatus[];
  now: Date;
  stepMs: number;
  maxGap: number;
  log: Logger;
}): Promise<{ feedback?: FeedbackStatus }> {
  if (input.store === undefined) return {};
  const previous = input.monitor.status?.anomalies ?? [];
  try {
    const { status, written } = await feedbackOfRun({ ...input, store: input.store, open: [...input.open, ...withAnomalyIds(input.monitor, previous)] });
    if (written.length > 0) input.log.info('Stored feedback', { verdicts: written.map((r) => `${r.id}=${r.verdict}`).join(', ') });
    for (const r of status.rejected ?? []) input.log.warn('Feedback annotation not used', { annotation: r.annotation, reason: r.message });
    return { feedback: status };
  } catch (err) {
    input.log.warn('Feedback not counted; the status keeps the previous counts', { code: errorCode(err), error: describeError(err) });
    return {};
  }
}
