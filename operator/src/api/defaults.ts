/**
 * The defaults of a ModelMonitor spec: the same values the CRD's schema defaults (test/unit/api
 * checks they agree), plus the ones only the operator applies (the schedule and the label
 * horizon follow the granularity; the score threshold). `withDefaults` gives the operator's
 * decide and the job's run a spec with no optional knob left. Code that reads a cached spec
 * without defaulting it (the re-send's alert lifetime, the report page, `alertiger run`'s
 * window) takes the value from DEFAULTS, never from a literal of its own.
 */
import { defaultSchedule } from './cron.js';
import { SENSITIVITY_THRESHOLDS, thresholdFor } from './sensitivity.js';
import type {
  Alerting, FileFormat, Granularity, InfluxSource, Mode, ModelMonitorSpec, ModelRef, SegmentColumn, SensitivityWord,
} from './types.js';

export const DEFAULTS = {
  granularity: '1d' as Granularity,
  mode: 'Enforce' as Mode,
  suspend: false,
  fileFormat: 'jsonl' as FileFormat,
  /** Score threshold for `positive_rate`. */
  scoreThreshold: 0.5,
  /** Label horizon in windows, per granularity: a week of days, two days of hours. */
  labelDelay: { '1d': 7, '1h': 48 } as Record<Granularity, number>,
  /** Values tracked per segment column (spec.schema.segments[].topK). */
  segmentTopK: 5,
  detection: {
    sensitivity: 'medium' as SensitivityWord,
    minSeverity: 1.0,
    duration: { window: 3, min: 2 },
    maxConcurrentFraction: 0.3,
    minTrafficRatio: 0.05,
    combine: 'And' as const,
  },
  /** spec.scale.shards: one Pod per run unless the monitor asks for more (docs/sharding.md). */
  shards: 1,
} as const;

/** The most shards a run may use (the CRD's maximum). */
export const MAX_SHARDS = 64;

/** The spellings of `combine` the resource and the CLI accept (the CLI ignores case altogether). */
export const COMBINE_SPELLINGS = ['And', 'Or', 'and', 'or'];

/** `And` or `Or` from any spelling of either word; undefined for anything else. */
export function combineOf(text: string | undefined): 'And' | 'Or' | undefined {
  const word = text?.toLowerCase();
  return word === 'and' ? 'And' : word === 'or' ? 'Or' : undefined;
}

export interface DefaultedDetection {
  /** A word, or the stage-2 threshold in (0, 1) (a numeric string is converted). */
  sensitivity: SensitivityWord | number;
  /** The stage-2 threshold the sensitivity stands for. */
  threshold: number;
  minSeverity: number;
  duration: { window: number; min: number };
  maxConcurrentFraction: number;
  minTrafficRatio: number;
  combine: 'And' | 'Or';
  /** spec.detection.model: a retrained detector's ConfigMap; absent = the pretrained model. */
  model?: { configMapRef: { name: string } };
}

export interface DefaultedSchema {
  score?: string;
  label?: string;
  timestamp?: string;
  categorical: string[];
  exclude: string[];
  threshold: number;
  task?: 'classification' | 'regression';
  labelDelay: number;
  segments: Array<{ column: string; topK: number }>;
}

export interface DefaultedSpec {
  model: ModelRef;
  source: { influx: InfluxSource; file?: undefined } | { file: { path: string; format: FileFormat }; influx?: undefined };
  schema: DefaultedSchema;
  granularity: Granularity;
  schedule: string;
  detection: DefaultedDetection;
  alerting: { labels: Record<string, string>; annotations: Record<string, string>; alertmanagerURL?: string };
  mode: Mode;
  suspend: boolean;
  scale: { shards: number };
}

/** spec.schema.segments with every topK filled (docs/segments.md). */
function defaultSegments(schema: { segments?: readonly SegmentColumn[] } | undefined): Array<{ column: string; topK: number }> {
  return (schema?.segments ?? []).map((g) => ({ column: g.column, topK: g.topK ?? DEFAULTS.segmentTopK }));
}

/**
 * The stage-2 threshold for a sensitivity: a word's value, or the number itself. One table for
 * the whole product, measured with the detector (api/sensitivity.ts).
 */
export const sensitivityThreshold = thresholdFor;

/**
 * The spec with every default applied. Assumes the spec passed `validateSpec` (in particular
 * that it has exactly one source); it does not re-check.
 */
export function withDefaults(spec: ModelMonitorSpec): DefaultedSpec {
  const granularity = spec.granularity ?? DEFAULTS.granularity;
  const d = spec.detection ?? {};
  const rawSensitivity = d.sensitivity ?? DEFAULTS.detection.sensitivity;
  const sensitivity = typeof rawSensitivity === 'string' && !(rawSensitivity in SENSITIVITY_THRESHOLDS)
    ? Number(rawSensitivity)
    : rawSensitivity as SensitivityWord | number;
  const source: DefaultedSpec['source'] = spec.source.influx !== undefined
    ? { influx: spec.source.influx }
    : { file: { path: spec.source.file?.path ?? '', format: spec.source.file?.format ?? DEFAULTS.fileFormat } };
  return {
    model: spec.model,
    source,
    schema: {
      ...spec.schema,
      categorical: spec.schema?.categorical ?? [],
      exclude: spec.schema?.exclude ?? [],
      threshold: spec.schema?.threshold ?? DEFAULTS.scoreThreshold,
      labelDelay: spec.schema?.labelDelay ?? DEFAULTS.labelDelay[granularity],
      segments: defaultSegments(spec.schema),
    },
    granularity,
    schedule: spec.schedule ?? defaultSchedule(granularity),
    detection: {
      sensitivity,
      threshold: sensitivityThreshold(sensitivity),
      minSeverity: d.minSeverity ?? DEFAULTS.detection.minSeverity,
      duration: {
        window: d.duration?.window ?? DEFAULTS.detection.duration.window,
        min: d.duration?.min ?? DEFAULTS.detection.duration.min,
      },
      maxConcurrentFraction: d.maxConcurrentFraction ?? DEFAULTS.detection.maxConcurrentFraction,
      minTrafficRatio: d.minTrafficRatio ?? DEFAULTS.detection.minTrafficRatio,
      combine: combineOf(d.combine) ?? DEFAULTS.detection.combine,
      ...detectorModel(d),
    },
    alerting: defaultAlerting(spec.alerting),
    mode: spec.mode ?? DEFAULTS.mode,
    suspend: spec.suspend ?? DEFAULTS.suspend,
    scale: defaultScale(spec),
  };
}

/** spec.detection.model, copied when set (no default: absent means the pretrained model). */
function detectorModel(d: NonNullable<ModelMonitorSpec['detection']>): Pick<DefaultedDetection, 'model'> {
  return d.model !== undefined ? { model: { configMapRef: { name: d.model.configMapRef.name } } } : {};
}

function defaultScale(spec: ModelMonitorSpec): DefaultedSpec['scale'] {
  return { shards: spec.scale?.shards ?? DEFAULTS.shards };
}

function defaultAlerting(alerting: Alerting | undefined): DefaultedSpec['alerting'] {
  const out: DefaultedSpec['alerting'] = { labels: alerting?.labels ?? {}, annotations: alerting?.annotations ?? {} };
  // An empty URL means "the operator's default", the same as leaving it out.
  if (alerting?.alertmanagerURL) out.alertmanagerURL = alerting.alertmanagerURL;
  return out;
}
