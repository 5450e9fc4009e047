/**
 * The embedded store of local runs (`alertiger run`, `alertiger demo`): the same data a job keeps
 * in InfluxDB and on the ModelMonitor's status, as JSON files in a directory, so repeated runs
 * build history with no server. One folder per monitor and model version (a new version starts
 * a new baseline, as in InfluxDB where the version is a tag):
 *
 *   DIR/<namespace>/<monitor>/<version or "unversioned">/
 *     statistics.json   series key -> {window start ms -> value}   (a rewrite replaces: idempotent)
 *     detections.json   series key -> {window start ms -> scored point}
 *     reference.json    the drift reference window
 *     status.json       the job's part of the status (the next run reads lastWindowEnd from it)
 *     runs.jsonl        one line per run, for the report's "recent runs"
 *
 * Files are replaced by rename, so an interrupted run leaves the previous file whole.
 */
import { appendFile, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ModelMonitor, ModelMonitorStatus } from '../api/types.js';
import { AlertigerError } from '../errors.js';
import type { DetectionPoint, RunStore, StatCategory, StatSeries, WindowStatistics } from '../run/ports.js';
import type { Reference } from '../stats/reference.js';
import type { SegmentChoice } from '../stats/segments.js';
import type { FeedbackRecord, FeedbackStore } from '../run/feedback.js';

type SeriesMap<T> = Record<string, Record<string, T>>;
type StoredDetection = Omit<DetectionPoint, 'category' | 'subject' | 'statistic' | 'time'>;

export interface RunRecord {
  time: string;
  health: string;
  anomalyCount: number;
  durationMs?: number;
  error?: string;
}

export interface MonitorStore extends RunStore, FeedbackStore {
  readonly dir: string;
  loadReference(): Promise<Reference | undefined>;
  saveReference(reference: Reference): Promise<void>;
  loadSegments(): Promise<SegmentChoice[] | undefined>;
  saveSegments(choices: SegmentChoice[]): Promise<void>;
  readDetections(from: Date, to: Date): Promise<DetectionPoint[]>;
  loadStatus(): Promise<ModelMonitorStatus | undefined>;
  saveStatus(status: ModelMonitorStatus): Promise<void>;
  appendRun(run: RunRecord): Promise<void>;
  readRuns(): Promise<RunRecord[]>;
}

/** A path segment from a name: Kubernetes names are safe already; anything else is escaped. */
function segment(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

export interface EmbeddedStoreOptions {
  /**
   * Keep the files in memory and write them only on flush() (a replay's many runs would
   * otherwise read and rewrite every JSON file on each run).
   */
  memory?: boolean;
}

export function embeddedStore(root: string, monitor: ModelMonitor, options: EmbeddedStoreOptions = {}): MonitorStore & { flush(): Promise<void> } {
  const cache = new Map<string, unknown>();
  const dirty = new Set<string>();
  let pendingRuns = '';
  const dir = join(root, segment(monitor.metadata.namespace ?? 'default'), segment(monitor.metadata.name), segment(monitor.spec.model.version ?? 'unversioned'));
  const file = (name: string): string => join(dir, name);

  async function load<T>(name: string, fallback: T): Promise<T> {
    if (options.memory === true && cache.has(name)) return cache.get(name) as T;
    const value = await loadFile(name, fallback);
    if (options.memory === true) cache.set(name, value);
    return value;
  }

  async function loadFile<T>(name: string, fallback: T): Promise<T> {
    let text: string;
    try {
      text = await readFile(file(name), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return fallback;
      throw new AlertigerError('StoreUnavailable', `cannot read the embedded store file ${file(name)}: ${(err as Error).message}`, { cause: err });
    }
    try {
      return JSON.parse(text) as T;
    } catch (err) {
      throw new AlertigerError('StoreCorrupt', `the embedded store file ${file(name)} is not valid JSON (delete it to start over): ${(err as Error).message}`, { cause: err });
    }
  }

  async function save(name: string, value: unknown): Promise<void> {
    if (options.memory === true) {
      cache.set(name, value);
      dirty.add(name);
      return;
    }
    await saveFile(name, value);
  }

  async function saveFile(name: string, value: unknown): Promise<void> {
    await mkdir(dir, { recursive: true });
    const tmp = `${file(name)}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(value));
    await rename(tmp, file(name));
  }

  return {
    dir,
    async writeStatistics(windows: WindowStatistics[], category?: StatCategory) {
      const stats = await load<SeriesMap<number>>('statistics.json', {});
      const prefix = category !== undefined ? `${category}\u0000` : '';
      for (const w of windows) {
        const t = String(w.window.start.getTime());
        // A window written again replaces all its values (with `category`, only that category's:
        // late labels), as the InfluxDB store does.
        for (const [key, series] of Object.entries(stats)) if (key.startsWith(prefix)) delete series[t];
        for (const v of w.values) {
          if (category === undefined || v.category === category) (stats[seriesKey(v.category, v.subject, v.statistic)] ??= {})[t] = v.value;
        }
      }
      await save('statistics.json', stats);
    },
    async readHistory(from, to) {
      const stats = await load<SeriesMap<number>>('statistics.json', {});
      const out: StatSeries[] = [];
      for (const key of Object.keys(stats).sort()) {
        const times = Object.keys(stats[key]).map(Number).filter((t) => t >= from.getTime() && t < to.getTime()).sort((a, b) => a - b);
        if (times.length === 0) continue;
        out.push({ ...parseKey(key) as { category: StatCategory; subject: string; statistic: string }, times, values: times.map((t) => stats[key][String(t)]) });
      }
      return out;
    },
    async writeDetections(points) {
      const stored = await load<SeriesMap<StoredDetection>>('detections.json', {});
      for (const p of points) {
        const { category, subject, statistic, time, ...rest } = p;
        (stored[seriesKey(category, subject, statistic)] ??= {})[String(time)] = rest;
      }
      await save('detections.json', stored);
    },
    async readDetections(from, to) {
      const stored = await load<SeriesMap<StoredDetection>>('detections.json', {});
      const out: DetectionPoint[] = [];
      for (const key of Object.keys(stored).sort()) {
        const id = parseKey(key);
        for (const [t, p] of Object.entries(stored[key])) {
          const time = Number(t);
          if (time >= from.getTime() && time < to.getTime()) out.push({ ...id, time, ...p });
        }
      }
      return out.sort((a, b) => a.time - b.time);
    },
    // Feedback by kubectl (run/feedback.ts): id -> verdict, as InfluxDB's alertiger_feedback.
    async readFeedback() {
      const stored = await load<Record<string, FeedbackRecord>>('feedback.json', {});
      return Object.values(stored).sort((a, b) => Date.parse(a.anomalyStart) - Date.parse(b.anomalyStart) || (a.id < b.id ? -1 : 1));
    },
    async writeFeedback(records) {
      if (records.length === 0) return;
      const stored = await load<Record<string, FeedbackRecord>>('feedback.json', {});
      for (const r of records) stored[r.id] = r;
      await save('feedback.json', stored);
    },
    async readAnomalousDetections(from, to) {
      const stored = await load<SeriesMap<StoredDetection>>('detections.json', {});
      const out: DetectionPoint[] = [];
      for (const [key, series] of Object.entries(stored)) {
        for (const [t, p] of Object.entries(series)) {
          if (p.anomaly && Number(t) >= from.getTime() && Number(t) < to.getTime()) out.push({ ...parseKey(key), time: Number(t), ...p });
        }
      }
      return out.sort((a, b) => a.time - b.time);
    },
    // The tracked segment values (docs/segments.md), as InfluxDB's model_health_segments.
    loadSegments: () => load<SegmentChoice[] | undefined>('segments.json', undefined),
    saveSegments: (choices) => save('segments.json', choices),
    loadReference: () => load<Reference | undefined>('reference.json', undefined),
    saveReference: (reference) => save('reference.json', reference),
    loadStatus: () => load<ModelMonitorStatus | undefined>('status.json', undefined),
    saveStatus: (status) => save('status.json', status),
    async appendRun(run) {
      if (options.memory === true) {
        pendingRuns += JSON.stringify(run) + '\n';
        return;
      }
      await mkdir(dir, { recursive: true });
      await appendFile(file('runs.jsonl'), JSON.stringify(run) + '\n');
    },
    async readRuns() {
      let text = '';
      try {
        text = await readFile(file('runs.jsonl'), 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
      return (text + pendingRuns).split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as RunRecord);
    },
    /** Writes what memory mode kept (a no-op otherwise). */
    async flush() {
      for (const name of dirty) await saveFile(name, cache.get(name));
      dirty.clear();
      if (pendingRuns !== '') {
        await mkdir(dir, { recursive: true });
        await appendFile(file('runs.jsonl'), pendingRuns);
        pendingRuns = '';
      }
    },
  };
}

/** Category, subject and statistic joined by NUL, which none of them can contain. */
function seriesKey(category: string, subject: string, statistic: string): string {
  return `${category}\u0000${subject}\u0000${statistic}`;
}

function parseKey(key: string): { category: DetectionPoint['category']; subject: string; statistic: string } {
  const [category, subject, statistic] = key.split('\u0000');
  return { category: category as DetectionPoint['category'], subject, statistic };
}
