/**
 * `alertiger train --feedback`: reads the verdicts people gave (InfluxDB measurement
 * alertiger_feedback, written by the jobs: run/feedback.ts, store/schema.ts) and the statistics
 * the detector scored (model_health, with the flagged points of model_health_detection), fine-
 * tunes stage 2 of the current model on them and writes the new model only when the held-out
 * check accepts it (detector/retrain.ts). Optionally publishes it as a ConfigMap for
 * `spec.detection.model.configMapRef` (detector/bundle.ts).
 *
 * `assembleFeedback` is the pure part: stored series and verdicts -> regular series and
 * labelled anomaly windows per granularity.
 */
import { CoreV1Api, type V1ConfigMap } from '@kubernetes/client-node';
import type { Granularity } from '../api/types.js';
import { AlertigerError } from '../errors.js';
import { queryInflux, influxClient, type InfluxConnection } from '../influx/connection.js';
import type { Logger } from '../log.js';
import type { FeedbackRecord } from '../run/feedback.js';
import { resolutions, seriesKey } from '../run/noise.js';
import type { DetectionPoint, StatSeries } from '../run/ports.js';
import { loadKubeConfig } from '../k8s/kubeconfig.js';
import { toKubeError } from '../k8s/errors.js';
import { InfluxStatisticsStore } from '../store/influx.js';
import { feedbackQuery, parseFeedback, type RawResponse } from '../store/schema.js';
import { readBundle, stampRelease, type Bundle, type ManifestWithRelease } from '../detector/bundle.js';
import type { RegularSeries } from '../detector/features.js';
import type { LabelledAnomaly, Span } from '../detector/finetune.js';
import { RECALL_TOLERANCE, type HeldOutReport } from '../detector/heldout.js';
import { disposeModel, loadDetectorFiles, saveDetector } from '../detector/io.js';
import { disposeLayers, type Stage2Params } from '../detector/model.js';
import { disposeCandidate, retrainOnFeedback } from '../detector/retrain.js';
import { inferGranularity, regularize } from '../detector/series.js';
import { SPECS } from '../detector/spec.js';

/** One monitor's stored data. */
export interface MonitorFeedback {
  namespace: string;
  monitor: string;
  history: StatSeries[];
  /** Scored points flagged anomalous. */
  flagged: DetectionPoint[];
  feedback: FeedbackRecord[];
}

export interface FeedbackSet {
  series: RegularSeries[];
  /** Which monitor series each entry of `series` is (namespace/monitor/category/subject/statistic). */
  names: string[];
  anomalies: LabelledAnomaly[];
  /** Flagged runs nobody judged. */
  unlabelled: Span[];
}

export interface Assembled {
  byGranularity: Map<Granularity, FeedbackSet>;
  /** Verdicts that matched no stored series (model-level anomalies, deleted history), with why. */
  skipped: string[];
}

/** Flagged points of one run may have a gap of this many points (the duration filter's tolerance). */
const MAX_GAP = 1;

/** The end (exclusive) of the flagged run starting at `start`; at least start + 1. */
function runEnd(flags: Uint8Array, start: number): number {
  let end = start + 1;
  for (let t = start + 1; t < flags.length && t - end <= MAX_GAP; t++) if (flags[t] === 1) end = t + 1;
  return end;
}

/** Stored series and verdicts -> regular series and labelled anomaly windows, per granularity. */
export function assembleFeedback(monitors: readonly MonitorFeedback[]): Assembled {
  const byGranularity = new Map<Granularity, FeedbackSet>();
  const skipped: string[] = [];
  for (const m of monitors) {
    const res = resolutions(m.history);
    const index = new Map<string, { g: Granularity; k: number; flags: Uint8Array }>();
    for (const s of m.history) {
      const g = inferGranularity(s.times);
      if (g === undefined) continue;
      const r = res.get(seriesKey(s));
      const values = s.values.map((v, i) => (r?.unreliable[i] === 1 ? NaN : v));
      const grid = regularize(s.times, values, SPECS[g].stepMs, r?.noise);
      const set = byGranularity.get(g) ?? { series: [], names: [], anomalies: [], unlabelled: [] };
      byGranularity.set(g, set);
      const k = set.series.length;
      set.series.push({ start: grid.start, values: grid.values, noise: grid.noise, ...(r?.domain !== undefined ? { domain: r.domain } : {}) });
      set.names.push(`${m.namespace}/${m.monitor}/${seriesKey(s)}`);
      index.set(seriesKey(s), { g, k, flags: new Uint8Array(grid.values.length) });
    }
    const slotOf = (e: { g: Granularity; k: number }, time: number): number => {
      const s = byGranularity.get(e.g)!.series[e.k];
      return Math.round((time - s.start) / SPECS[e.g].stepMs);
    };
    for (const p of m.flagged) {
      const e = index.get(seriesKey(p));
      if (e === undefined) continue;
      const t = slotOf(e, p.time);
      if (t >= 0 && t < e.flags.length) e.flags[t] = 1;
    }
    const judged = new Map<string, Uint8Array>();
    for (const f of m.feedback) {
      const e = index.get(seriesKey(f));
      const what = `${m.namespace}/${m.monitor} ${seriesKey(f)} at ${f.anomalyStart} (${f.verdict})`;
      if (e === undefined) {
        skipped.push(`${what}: no stored statistics for this series${f.category === 'model' ? ' (a model-level anomaly: its features carry their own verdicts)' : ''}`);
        continue;
      }
      const start = slotOf(e, Date.parse(f.anomalyStart));
      if (!(start >= 0 && start < e.flags.length)) {
        skipped.push(`${what}: outside the stored history`);
        continue;
      }
      const end = runEnd(e.flags, start);
      byGranularity.get(e.g)!.anomalies.push({ series: e.k, start, end, verdict: f.verdict });
      const mark = judged.get(seriesKey(f)) ?? new Uint8Array(e.flags.length);
      mark.fill(1, start, end);
      judged.set(seriesKey(f), mark);
    }
    // Flagged runs nobody judged: no label either way.
    for (const [key, e] of index) {
      const mark = judged.get(key);
      for (let t = 0; t < e.flags.length; ) {
        if (e.flags[t] !== 1 || mark?.[t] === 1) {
          t++;
          continue;
        }
        const end = runEnd(e.flags, t);
        byGranularity.get(e.g)!.unlabelled.push({ series: e.k, start: t, end });
        t = end;
      }
    }
  }
  return { byGranularity, skipped };
}

export interface FeedbackScope {
  namespace?: string;
  monitor?: string;
  /** spec.model.version of the monitors, when they set one (the statistics' model_version tag). */
  modelVersion?: string;
}

/** Reads every verdict in scope, then each judged monitor's statistics and flagged points. */
export async function readFeedback(connection: InfluxConnection, scope: FeedbackScope, logger: Logger): Promise<MonitorFeedback[]> {
  const client = influxClient(connection);
  const codes = { unavailable: 'InfluxUnavailable', rejected: 'InfluxRejected' } as const;
  const raw = await queryInflux('read feedback', connection.url, codes, () =>
    client.queryRaw(feedbackQuery({ namespace: scope.namespace, monitor: scope.monitor }), { database: connection.database, precision: 'ms' }) as Promise<RawResponse>);
  const records = parseFeedback(raw);
  const where = `${scope.namespace ?? 'any namespace'}${scope.monitor !== undefined ? `/${scope.monitor}` : ''}`;
  if (records.length === 0) {
    throw new AlertigerError('NotEnoughData', `no feedback stored in ${connection.database} at ${connection.url} for ${where} (measurement alertiger_feedback)`);
  }
  const byMonitor = new Map<string, FeedbackRecord[]>();
  for (const r of records) byMonitor.set(`${r.namespace}/${r.monitor}`, [...(byMonitor.get(`${r.namespace}/${r.monitor}`) ?? []), r]);
  const out: MonitorFeedback[] = [];
  const from = new Date(0);
  const to = new Date(Date.now() + 86_400_000);
  for (const [, feedback] of byMonitor) {
    const { namespace, monitor } = feedback[0];
    const store = new InfluxStatisticsStore({ namespace, monitor, modelVersion: scope.modelVersion }, connection);
    const history = await store.readHistory(from, to);
    const flagged = await store.readAnomalousDetections(from, to);
    logger.info('Read feedback', { monitor: `${namespace}/${monitor}`, verdicts: feedback.length, series: history.length, flagged: flagged.length });
    out.push({ namespace, monitor, history, flagged, feedback });
  }
  return out;
}

export interface FeedbackTrainOptions {
  connection: InfluxConnection;
  scope: FeedbackScope;
  /** The current model's directory (the pretrained one by default). */
  modelDir: string;
  output: string;
  epochs: number;
  seed: number;
  threshold: number;
  /** The held-out check's recall tolerance (heldout.ts RECALL_TOLERANCE by default). */
  recallTolerance?: number;
  /** NS/NAME of a ConfigMap to publish the accepted model as. */
  configMap?: { namespace: string; name: string };
  kubeconfig?: string;
  logger: Logger;
  /** Where the report lines go (stdout). */
  print: (line: string) => void;
}

/** Exit status of a refusal: the model is not written (design.md §8: 1 = the command's "no"). */
export const EXIT_REFUSED = 1;

/**
 * The whole `train --feedback`: read, fine-tune each granularity that has verdicts, check on the
 * held-out part, write the model (versioned) when at least one granularity's new stage 2 was
 * accepted (the others keep the current one), publish it. Resolves to the exit code.
 */
export async function trainOnFeedback(o: FeedbackTrainOptions): Promise<number> {
  const monitors = await readFeedback(o.connection, o.scope, o.logger);
  const assembled = assembleFeedback(monitors);
  for (const s of assembled.skipped) o.print(`skipped: ${s}`);
  const { manifest, models } = await loadDetectorFiles(o.modelDir);
  const parent = (manifest as ManifestWithRelease).release?.version ?? 'pretrained';
  const replaced = new Map<Granularity, Stage2Params>();
  const results: Record<string, unknown> = {};
  try {
    for (const [g, set] of [...assembled.byGranularity].sort(([a], [b]) => a.localeCompare(b))) {
      if (set.anomalies.length === 0) continue;
      const current = models.find((m) => m.spec.granularity === g);
      if (current === undefined) throw new AlertigerError('GranularityUnsupported', `the model at ${o.modelDir} has no ${g} detector for the ${g} feedback`);
      const r = retrainOnFeedback(current, set.series, set.anomalies, { seed: o.seed, epochs: o.epochs, threshold: o.threshold, unlabelled: set.unlabelled, recallTolerance: o.recallTolerance });
      const incidents = set.anomalies.filter((a) => a.verdict === 'incident').length;
      o.print(`${g}: ${set.anomalies.length} judged anomalies (${incidents} incidents, ${set.anomalies.length - incidents} false alarms) on ${set.series.length} series; ` +
        `trained on ${r.split.train.length}, held out ${r.split.heldOut.length}`);
      o.print(`${g}: ${r.report.message}`);
      results[g] = { judged: set.anomalies.length, incidents, unjudged: set.unlabelled.length, training: r.training, heldOut: heldOutFigures(r.report) };
      if (r.report.accepted) replaced.set(g, r.candidate.stage2);
      else disposeCandidate(r);
    }
    if (Object.keys(results).length === 0) throw new AlertigerError('NotEnoughData', `no verdict matched a stored series (${assembled.skipped.length} skipped)`);
    if (replaced.size === 0) {
      o.print(`refused: no new model written (${o.output} untouched)`);
      return EXIT_REFUSED;
    }
    const out = models.map((m) => ({ ...m, stage2: replaced.get(m.spec.granularity) ?? m.stage2 }));
    await saveDetector(o.output, out, { threshold: manifest.threshold, training: manifest.training });
    const version = await stampRelease(o.output, { parent, createdAt: new Date().toISOString(), source: 'feedback', seed: o.seed, epochs: o.epochs, threshold: o.threshold, recallTolerance: o.recallTolerance ?? RECALL_TOLERANCE, results });
    o.print(`wrote ${o.output} (version ${version}, from ${parent})`);
    if (o.configMap !== undefined) {
      await publishConfigMap(o.kubeconfig, o.configMap, await readBundle(o.output), { version, parent });
      o.print(`published ConfigMap ${o.configMap.namespace}/${o.configMap.name} (version ${version}); roll it out with spec.detection.model.configMapRef.name: ${o.configMap.name}`);
    }
    return 0;
  } finally {
    for (const s of replaced.values()) disposeLayers(s.layers);
    models.forEach(disposeModel);
  }
}

function heldOutFigures(r: HeldOutReport): Record<string, unknown> {
  return {
    since: Number.isFinite(r.cutoff) ? new Date(r.cutoff).toISOString() : undefined,
    incidents: r.incidents,
    markedFalseAlarms: r.markedFalseAlarms,
    caught: r.currentAtThreshold.caught,
    falseAlarmsCurrent: r.current.falseAlarms,
    falseAlarmsNew: r.candidate?.falseAlarms,
    accepted: r.accepted,
  };
}

/** The labels of a model ConfigMap. */
export const MODEL_VERSION_LABEL = 'alertiger.io/model-version';
export const MODEL_PARENT_ANNOTATION = 'alertiger.io/model-parent';

/** The ConfigMap of a model bundle: immutable, so a version rolled out never changes under the jobs. */
export function modelConfigMap(ref: { namespace: string; name: string }, bundle: Bundle, release: { version: string; parent: string }): V1ConfigMap {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: ref.name,
      namespace: ref.namespace,
      labels: { 'app.kubernetes.io/name': 'alertiger', 'app.kubernetes.io/component': 'detector-model', [MODEL_VERSION_LABEL]: release.version },
      annotations: { [MODEL_PARENT_ANNOTATION]: release.parent },
    },
    immutable: true,
    data: bundle.data,
    binaryData: Object.fromEntries(Object.entries(bundle.binaryData).map(([k, v]) => [k, v.toString('base64')])),
  };
}

async function publishConfigMap(kubeconfig: string | undefined, ref: { namespace: string; name: string }, bundle: Bundle, release: { version: string; parent: string }): Promise<void> {
  const api = loadKubeConfig(kubeconfig).makeApiClient(CoreV1Api);
  try {
    await api.createNamespacedConfigMap({ namespace: ref.namespace, body: modelConfigMap(ref, bundle, release) });
  } catch (err) {
    const error = toKubeError(`create ConfigMap ${ref.namespace}/${ref.name}`, err);
    if (error.status === 409) {
      throw new AlertigerError('Conflict', `ConfigMap ${ref.namespace}/${ref.name} already exists: a rolled-out model is never changed in place; publish version ${release.version} under a new name`, { cause: err });
    }
    throw error;
  }
}
