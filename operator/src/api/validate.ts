/**
 * Semantic validation of a ModelMonitor before the operator (or `alertiger run -f`) acts on it.
 * It repeats every rule of crds/modelmonitors.alertiger.io.yaml (the CEL rules use the patterns
 * below verbatim), so a monitor read from a local file, or admitted by an API server without the
 * CRD's rules, gets the API server's verdict: the schedule parses, its ranges run forwards and it
 * fires some day; a file path is a valid glob or URL whose extension agrees with the format;
 * exclude patterns are valid and don't hide the score, label or timestamp. One rule is only here:
 * an exclude pattern must not hide a categorical field (64 x 1000 matches exceed the CEL budget).
 * A URL holding credentials is refused, and no message quotes them (redactURL).
 * Field paths are written as the API server writes them (spec.detection.duration.min).
 */
import { parseCron } from './cron.js';
import { Checker, type FieldError } from './check.js';
import { COMBINE_SPELLINGS, DEFAULTS, MAX_SHARDS } from './defaults.js';
import { compileGlob } from './glob.js';
import { API_VERSION, KIND, MAX_SEGMENT_COLUMNS, MAX_SEGMENT_TOP_K } from './types.js';

export type { FieldError } from './check.js';
export { withDefaults } from './defaults.js';

/** The CRD's patterns, as RegExps; test/unit/api checks each equals the CRD's text. */
export const PATTERNS = {
  modelName: /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/,
  modelVersion: /^[A-Za-z0-9]([-A-Za-z0-9_.+]*[A-Za-z0-9])?$/,
  dnsSubdomain: /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/,
  /**
   * An http(s) URL both Node's URL parser and the API server's (Go's net/url) accept: a DNS name
   * or IP address, a port up to 65535, no spaces or control characters, %-escapes well formed.
   */
  httpURL: /^https?:\/\/([A-Za-z0-9._~-]+|\[[0-9A-Fa-f:.]+\])(:([0-9]{1,4}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5]))?([/?#][^\x00-\x20\x7f%]*(%[0-9A-Fa-f]{2}[^\x00-\x20\x7f%]*)*)?$/,
  /** user:password@ (or any userinfo) after a scheme; credentials never sit in the resource. */
  urlUserinfo: /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*@/,
  /** A glob character (* or [) in a URL's path; a URL names one file. */
  urlPathGlob: /^https?:\/\/[^/?#]*\/[^?#]*[*\[]/,
  filePath: /^(\/|https?:\/\/)/,
  /**
   * The characters an exclude pattern may hold: field-name characters and the glob's. Kept few so
   * the CRD's rule can turn a pattern into a regular expression within the CEL cost budget.
   */
  excludeChars: /^[A-Za-z0-9_.\/:@ *?\[\]!-]*$/,
  sensitivity: /^(low|medium|high|0?\.[0-9]*[1-9][0-9]*)$/,
  /** Alertmanager 0.25 label names (Prometheus' classic rule), at most 63 characters. */
  alertLabelName: /^[a-zA-Z_][a-zA-Z0-9_]{0,62}$/,
} as const;

/** Labels the operator puts on every alert; a monitor may not override them (docs/design.md §7). */
export const OPERATOR_ALERT_LABELS = [
  'alertname', 'severity', 'namespace', 'monitor', 'model', 'model_version', 'category', 'subject', 'statistic',
] as const;

const SPEC_KEYS = ['model', 'source', 'schema', 'granularity', 'schedule', 'detection', 'alerting', 'mode', 'suspend', 'scale'];

/** A path (before a URL's query) ending in the format's extension, optionally .gz, any case. */
function extensionPattern(extensions: string): RegExp {
  return new RegExp(`^(https?://[^?#]*\\.(${extensions})(\\.gz)?([?#].*)?|/.*\\.(${extensions})(\\.gz)?)$`, 'i');
}

/** The format each file extension implies; the CRD has one rule per entry, as `(?i)` + source. */
export const FORMAT_EXTENSIONS: readonly { format: string; extensions: string; pattern: RegExp }[] = [
  { format: 'jsonl', extensions: 'jsonl|ndjson', pattern: extensionPattern('jsonl|ndjson') },
  { format: 'csv', extensions: 'csv', pattern: extensionPattern('csv') },
  { format: 'parquet', extensions: 'parquet', pattern: extensionPattern('parquet') },
];

/** The URL with its userinfo (user:password@) replaced by ***, for messages and logs. */
export function redactURL(text: string): string {
  return text.replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^/?#]*@/, '$1***@');
}

/** Every problem of a whole resource (apiVersion, kind, metadata.name, spec). */
export function validateMonitor(resource: unknown): FieldError[] {
  const c = new Checker();
  const obj = c.object('', resource, 'any', true);
  if (obj === undefined) return c.errors.map((e) => ({ ...e, field: e.field || '(resource)' }));
  if (obj.apiVersion !== API_VERSION) c.fail('apiVersion', `must be ${API_VERSION}`);
  if (obj.kind !== KIND) c.fail('kind', `must be ${KIND}`);
  const meta = c.object('metadata', obj.metadata, 'any', true);
  if (meta !== undefined) {
    c.string('metadata.name', meta.name, { required: true, maxLength: 253, pattern: PATTERNS.dnsSubdomain, patternHelp: 'must be a DNS-1123 subdomain' });
  }
  return [...c.errors, ...validateSpec(obj.spec)];
}

/** Every problem of a spec; empty when the operator may act on it. */
export function validateSpec(spec: unknown): FieldError[] {
  const c = new Checker();
  const s = c.object('spec', spec, SPEC_KEYS, true);
  if (s === undefined) return c.errors;
  checkModel(c, s.model);
  checkSource(c, s.source);
  const schema = checkSchema(c, s.schema);
  c.string('spec.granularity', s.granularity, { enum: ['1d', '1h'] });
  checkSchedule(c, s.schedule);
  checkDetection(c, s.detection);
  checkAlerting(c, s.alerting);
  c.string('spec.mode', s.mode, { enum: ['Enforce', 'Shadow'] });
  c.boolean('spec.suspend', s.suspend);
  const scale = c.object('spec.scale', s.scale, ['shards']);
  if (scale !== undefined) c.number('spec.scale.shards', scale.shards, { integer: true, min: 1, max: MAX_SHARDS });
  if (schema !== undefined) checkSchemaAgainstExclude(c, schema);
  return c.errors;
}

function checkModel(c: Checker, value: unknown): void {
  const m = c.object('spec.model', value, ['name', 'version', 'deploymentRef', 'workloadRef'], true);
  if (m === undefined) return;
  c.string('spec.model.name', m.name, {
    required: true, minLength: 1, maxLength: 128, pattern: PATTERNS.modelName,
    patternHelp: "must be letters, digits, '-', '_' and '.', starting and ending with a letter or digit",
  });
  c.string('spec.model.version', m.version, {
    minLength: 1, maxLength: 128, pattern: PATTERNS.modelVersion,
    patternHelp: "must be letters, digits, '-', '_', '.' and '+', starting and ending with a letter or digit",
  });
  const ref = c.object('spec.model.deploymentRef', m.deploymentRef, ['name']);
  if (ref !== undefined) checkObjectName(c, 'spec.model.deploymentRef.name', ref.name);
  const workload = c.object('spec.model.workloadRef', m.workloadRef, ['kind', 'name']);
  if (workload !== undefined) {
    c.string('spec.model.workloadRef.kind', workload.kind, { required: true, enum: ['Deployment', 'StatefulSet', 'InferenceService'] });
    checkObjectName(c, 'spec.model.workloadRef.name', workload.name);
    if (ref !== undefined) c.fail('spec.model', 'model must set only one of workloadRef or deploymentRef (deploymentRef is the older spelling of workloadRef with kind Deployment)');
  }
}

function checkObjectName(c: Checker, field: string, value: unknown): void {
  c.string(field, value, { required: true, maxLength: 253, pattern: PATTERNS.dnsSubdomain, patternHelp: 'must be a DNS-1123 subdomain (lower case letters, digits, - and .)' });
}

function checkSource(c: Checker, value: unknown): void {
  const src = c.object('spec.source', value, ['influx', 'file'], true);
  if (src === undefined) return;
  const hasInflux = src.influx !== undefined && src.influx !== null;
  const hasFile = src.file !== undefined && src.file !== null;
  if (!hasInflux && !hasFile) c.fail('spec.source', 'source must set one of influx or file');
  if (hasInflux && hasFile) c.fail('spec.source', 'source must set only one of influx or file, not both');
  const influx = c.object('spec.source.influx', src.influx, ['measurement', 'database', 'where', 'url', 'credentialsSecretRef']);
  if (influx !== undefined) {
    c.string('spec.source.influx.measurement', influx.measurement, { required: true, minLength: 1, maxLength: 256 });
    c.string('spec.source.influx.database', influx.database, { required: true, minLength: 1, maxLength: 256 });
    c.stringMap('spec.source.influx.where', influx.where, { maxProperties: 16, maxValueLength: 256 });
    const url = c.string('spec.source.influx.url', influx.url, { maxLength: 2048 });
    if (url !== undefined) checkURL(c, 'spec.source.influx.url', url);
    const secret = c.object('spec.source.influx.credentialsSecretRef', influx.credentialsSecretRef, ['name']);
    if (secret !== undefined) checkObjectName(c, 'spec.source.influx.credentialsSecretRef.name', secret.name);
  }
  const file = c.object('spec.source.file', src.file, ['path', 'format']);
  if (file !== undefined) {
    const format = c.string('spec.source.file.format', file.format, { enum: ['jsonl', 'csv', 'parquet'] });
    const path = c.string('spec.source.file.path', file.path, { required: true, minLength: 1, maxLength: 4096 });
    if (path !== undefined) checkFilePath(c, path, format ?? (file.format === undefined ? DEFAULTS.fileFormat : undefined));
  }
}

function checkFilePath(c: Checker, path: string, format: string | undefined): void {
  const field = 'spec.source.file.path';
  if (PATTERNS.urlUserinfo.test(path)) {
    c.fail(field, credentialsMessage(path));
    return;
  }
  if (!PATTERNS.filePath.test(path)) {
    c.fail(field, `"${path}" must be an absolute path or glob, or an http(s) URL`);
    return;
  }
  if (/^https?:\/\//.test(path)) {
    if (checkURL(c, field, path) && PATTERNS.urlPathGlob.test(path)) c.fail(field, 'a URL names one file; globs (* ? [) work on local paths only');
  } else {
    const glob = compileGlob(path, true);
    if (!glob.ok) c.fail(field, `"${path}" is not a valid glob: ${glob.error}`);
  }
  const implied = FORMAT_EXTENSIONS.find((f) => f.pattern.test(path));
  if (format !== undefined && implied !== undefined && implied.format !== format) {
    c.fail('spec.source.file.format', `the path ends in .${implied.extensions.replace('|', ' or .')} but the format is ${format}; set format: ${implied.format}`);
  }
}

function credentialsMessage(url: string): string {
  return `"${redactURL(url)}" holds credentials (user:password@): they never sit in the resource; put them in a Secret`;
}

/** An http(s) URL as PATTERNS.httpURL says, that Node parses, without credentials. */
function checkURL(c: Checker, field: string, url: string): boolean {
  if (PATTERNS.urlUserinfo.test(url)) {
    c.fail(field, credentialsMessage(url));
    return false;
  }
  if (!PATTERNS.httpURL.test(url) || !URL.canParse(url)) {
    c.fail(field, `"${url}" is not a valid http(s) URL: it needs http:// or https://, a host name or IP address, a port up to 65535, and no spaces or malformed %-escapes`);
    return false;
  }
  return true;
}

interface SchemaFields {
  score?: string;
  label?: string;
  timestamp?: string;
  categorical?: string[];
  exclude?: string[];
}

function checkSchema(c: Checker, value: unknown): SchemaFields | undefined {
  const s = c.object('spec.schema', value, ['score', 'label', 'timestamp', 'categorical', 'exclude', 'threshold', 'task', 'labelDelay', 'segments']);
  if (s === undefined) return undefined;
  const name = { minLength: 1, maxLength: 256 };
  const out: SchemaFields = {
    score: c.string('spec.schema.score', s.score, name),
    label: c.string('spec.schema.label', s.label, name),
    timestamp: c.string('spec.schema.timestamp', s.timestamp, name),
    categorical: c.stringSet('spec.schema.categorical', s.categorical, { maxItems: 1000, item: name }),
    // 64, not more: the CRD's rule that no pattern hides the score must stay within the CEL cost budget.
    exclude: c.stringSet('spec.schema.exclude', s.exclude, { maxItems: 64, item: name }),
  };
  c.number('spec.schema.threshold', s.threshold, { min: 0, max: 1, exclusiveMin: true, exclusiveMax: true });
  c.string('spec.schema.task', s.task, { enum: ['classification', 'regression'] });
  c.number('spec.schema.labelDelay', s.labelDelay, { min: 0, max: 60, integer: true });
  if (out.score !== undefined && out.score === out.label) c.fail('spec.schema.label', 'schema.label must differ from schema.score');
  if (out.timestamp !== undefined && out.timestamp === out.score) c.fail('spec.schema.timestamp', 'schema.timestamp must differ from schema.score');
  if (out.timestamp !== undefined && out.timestamp === out.label) c.fail('spec.schema.timestamp', 'schema.timestamp must differ from schema.label');
  checkSegments(c, s.segments, out);
  return out;
}

/**
 * spec.schema.segments (docs/segments.md): at most MAX_SEGMENT_COLUMNS distinct columns, each
 * with a topK in 1..MAX_SEGMENT_TOP_K, none of them the score, label or timestamp field (its
 * default name included: a row's `score` is no segment).
 */
function checkSegments(c: Checker, value: unknown, schema: SchemaFields): void {
  if (value === undefined || value === null) return;
  const field = 'spec.schema.segments';
  if (!Array.isArray(value)) {
    c.fail(field, 'must be a list of {column, topK}');
    return;
  }
  if (value.length > MAX_SEGMENT_COLUMNS) c.fail(field, `at most ${MAX_SEGMENT_COLUMNS} segment columns (each adds topK + 1 series per score and label statistic), not ${value.length}`);
  const seen = new Set<string>();
  const roles: [string, string][] = [['score', schema.score ?? 'score'], ['label', schema.label ?? 'label'], ['timestamp', schema.timestamp ?? 'ts']];
  value.forEach((item: unknown, i) => {
    const g = c.object(`${field}[${i}]`, item, ['column', 'topK'], true);
    if (g === undefined) return;
    const column = c.string(`${field}[${i}].column`, g.column, { required: true, minLength: 1, maxLength: 128 });
    c.number(`${field}[${i}].topK`, g.topK, { min: 1, max: MAX_SEGMENT_TOP_K, integer: true });
    if (column === undefined) return;
    if (seen.has(column)) c.fail(`${field}[${i}].column`, `segment column "${column}" is listed twice`);
    seen.add(column);
    for (const [role, name] of roles) {
      if (column === name) c.fail(`${field}[${i}].column`, `segment column "${column}" is the ${role} field; a segment is a categorical column`);
    }
  });
}

/** Exclude patterns must compile and leave the named fields alone; categorical fields are features. */
function checkSchemaAgainstExclude(c: Checker, schema: SchemaFields): void {
  const roles: [string, string | undefined][] = [['score', schema.score], ['label', schema.label], ['timestamp', schema.timestamp]];
  for (const [role, field] of roles) {
    if (field !== undefined && schema.categorical?.includes(field)) {
      c.fail('spec.schema.categorical', `lists the ${role} field "${field}"; it is not a feature`);
    }
  }
  (schema.exclude ?? []).forEach((pattern, i) => {
    if (!PATTERNS.excludeChars.test(pattern)) {
      c.fail(`spec.schema.exclude[${i}]`, `"${pattern}" may hold only letters, digits, _ - . / : @, space and the glob characters * ? [ ] !`);
      return;
    }
    const glob = compileGlob(pattern);
    if (!glob.ok) {
      c.fail(`spec.schema.exclude[${i}]`, `"${pattern}" is not a valid glob: ${glob.error}`);
      return;
    }
    const named: [string, string | undefined][] = [...roles, ...(schema.categorical ?? []).map((f): [string, string] => ['categorical', f])];
    for (const [role, field] of named) {
      // The whole list's path, as the API server's rule (on the schema, which sees the score) says.
      if (field !== undefined && glob.regex.test(field)) {
        c.fail('spec.schema.exclude', `pattern "${pattern}" (exclude[${i}]) hides the ${role} field "${field}"`);
      }
    }
  });
}

function checkSchedule(c: Checker, value: unknown): void {
  const schedule = c.string('spec.schedule', value, { minLength: 1, maxLength: 100 });
  if (schedule === undefined) return;
  const parsed = parseCron(schedule);
  if (!parsed.ok) c.fail('spec.schedule', parsed.error);
}

function checkDetection(c: Checker, value: unknown): void {
  const keys = ['sensitivity', 'minSeverity', 'duration', 'maxConcurrentFraction', 'minTrafficRatio', 'combine', 'model'];
  const d = c.object('spec.detection', value, keys);
  if (d === undefined) return;
  checkSensitivity(c, d.sensitivity);
  c.number('spec.detection.minSeverity', d.minSeverity, { min: 0 });
  const duration = c.object('spec.detection.duration', d.duration, ['window', 'min']);
  if (duration !== undefined) {
    const window = c.number('spec.detection.duration.window', duration.window, { integer: true, min: 1, max: 100 });
    const min = c.number('spec.detection.duration.min', duration.min, { integer: true, min: 1, max: 100 });
    const w = window ?? (duration.window === undefined ? DEFAULTS.detection.duration.window : undefined);
    const m = min ?? (duration.min === undefined ? DEFAULTS.detection.duration.min : undefined);
    if (w !== undefined && m !== undefined && m > w) {
      c.fail('spec.detection.duration.min', `duration.min (${m}) must not exceed duration.window (${w})`);
    }
  }
  c.number('spec.detection.maxConcurrentFraction', d.maxConcurrentFraction, { min: 0, max: 1 });
  c.number('spec.detection.minTrafficRatio', d.minTrafficRatio, { min: 0, max: 1 });
  c.string('spec.detection.combine', d.combine, { enum: COMBINE_SPELLINGS });
  // A retrained model in a ConfigMap (docs/feedback.md).
  const model = c.object('spec.detection.model', d.model, ['configMapRef']);
  if (model !== undefined) {
    const ref = c.object('spec.detection.model.configMapRef', model.configMapRef, ['name'], true);
    if (ref !== undefined) c.string('spec.detection.model.configMapRef.name', ref.name, { required: true, maxLength: 253, pattern: PATTERNS.dnsSubdomain, patternHelp: 'must be a DNS-1123 subdomain' });
  }
}

function checkSensitivity(c: Checker, value: unknown): void {
  const field = 'spec.detection.sensitivity';
  if (typeof value === 'number') {
    c.number(field, value, { min: 0, max: 1, exclusiveMin: true, exclusiveMax: true });
  } else if (value !== undefined && value !== null) {
    if (typeof value !== 'string' || !PATTERNS.sensitivity.test(value)) {
      c.fail(field, `${JSON.stringify(value)} must be low, medium, high, or a number in (0, 1)`);
    }
  }
}

function checkAlerting(c: Checker, value: unknown): void {
  const a = c.object('spec.alerting', value, ['labels', 'annotations', 'alertmanagerURL']);
  if (a === undefined) return;
  const labelKey = (key: string): string | undefined => {
    if (!PATTERNS.alertLabelName.test(key) || key.startsWith('__')) {
      return 'must be a label name matching [a-zA-Z_][a-zA-Z0-9_]* (at most 63 characters, not starting with "__")';
    }
    return undefined;
  };
  c.stringMap('spec.alerting.labels', a.labels, {
    maxProperties: 32,
    maxValueLength: 1024,
    key: (key) => labelKey(key) ?? ((OPERATOR_ALERT_LABELS as readonly string[]).includes(key) ? 'is set by the operator on every alert' : undefined),
  });
  c.stringMap('spec.alerting.annotations', a.annotations, { maxProperties: 32, maxValueLength: 4096, key: labelKey });
  const url = c.string('spec.alerting.alertmanagerURL', a.alertmanagerURL, { maxLength: 2048 });
  if (url) checkURL(c, 'spec.alerting.alertmanagerURL', url);
}
