/**
 * Configuration of the `operator` and `job` commands: the one module that reads their settings
 * from the environment (the only other variables read anywhere are ALERTIGER_LOG_LEVEL, in log.ts
 * and the local commands, and ALERTIGER_TF_BACKEND, in detector/backend.ts). Every setting has a flag and an environment variable of the same name
 * (`--influx-url` and `ALERTIGER_INFLUX_URL`); a flag wins over the environment. `loadConfig`
 * is pure: it is handed argv and env, validates everything at once, and throws one
 * `InvalidConfig` error that names each variable and flag at fault.
 *
 * To add a setting, add one entry to SETTINGS; the Config type follows from the table.
 */
import { parseArgs } from 'node:util';
import { AlertigerError } from './errors.js';

export type Mode = 'operator' | 'job';

interface Setting<T> {
  /** The flag, without the leading dashes. */
  flag: string;
  env: string;
  help: string;
  /** Parses the text; throws an Error whose message says what is wrong (without the name). */
  parse(text: string): T;
  /** Used when neither flag nor variable is set; `undefined` means optional with no default. */
  fallback: T;
  /** Commands for which an absent value is an error. */
  required?: readonly Mode[];
}

function setting<T>(s: Setting<T>): Setting<T> {
  return s;
}

// ---- parsers ---------------------------------------------------------------------------------

function text(value: string): string {
  if (value.trim() === '') throw new Error('is empty');
  return value.trim();
}

function httpUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new Error(`"${value}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`"${value}" is not an http(s) URL`);
  return value.trim().replace(/\/+$/, '');
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function dnsLabel(value: string): string {
  if (!DNS_LABEL.test(value.trim())) throw new Error(`"${value}" is not a valid namespace name (a DNS label)`);
  return value.trim();
}

function objectName(value: string): string {
  if (!DNS_SUBDOMAIN.test(value.trim())) throw new Error(`"${value}" is not a valid object name (a DNS subdomain)`);
  return value.trim();
}

function namespaceList(value: string): string[] {
  const names = value.split(',').map((n) => n.trim()).filter((n) => n !== '');
  for (const name of names) dnsLabel(name);
  return [...new Set(names)].sort();
}

const QUANTITY = /^[0-9]+(\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/;

/** A Kubernetes resource quantity, or 'none' (returned as '') for no value. */
function quantity(value: string): string {
  const v = value.trim();
  if (v === 'none') return '';
  if (!QUANTITY.test(v)) throw new Error(`"${value}" is not a Kubernetes quantity (e.g. 500m, 1Gi)`);
  return v;
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A Go-style duration ("90s", "5m", "1h30m") in milliseconds. */
export function parseDuration(value: string): number {
  const v = value.trim();
  const parts = [...v.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (v === '' || parts.map((p) => p[0]).join('') !== v) throw new Error(`"${value}" is not a duration (e.g. 30s, 5m, 1h30m)`);
  return parts.reduce((sum, p) => sum + Number(p[1]) * DURATION_UNITS[p[2]!]!, 0);
}

function positiveDuration(value: string): number {
  const ms = parseDuration(value);
  if (ms <= 0) throw new Error(`"${value}" must be longer than zero`);
  return ms;
}

function positiveInt(value: string): number {
  const n = Number(value.trim());
  if (!Number.isInteger(n) || n < 1) throw new Error(`"${value}" is not a positive integer`);
  return n;
}

function bool(value: string): boolean {
  const v = value.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(v)) return true;
  if (['false', '0', 'no', 'off'].includes(v)) return false;
  throw new Error(`"${value}" is not a boolean (true or false)`);
}

export interface ListenAddress {
  host: string;
  port: number;
}

/** `[host]:port`; an empty host listens on every interface. Port 0 picks a free port. */
function listen(value: string): ListenAddress {
  const match = /^(.*):(\d+)$/.exec(value.trim());
  const port = match ? Number(match[2]) : NaN;
  if (!match || port > 65535) throw new Error(`"${value}" is not a listen address ([host]:port, e.g. :8080)`);
  return { host: match[1]!.replace(/^\[(.*)\]$/, '$1'), port };
}

/** Shortest report token accepted: a guessable token is no better than none. */
export const MIN_REPORT_TOKEN_LENGTH = 16;

/** A report bearer token (trimmed: files usually end in a newline); also checks a token file's text. */
export function reportToken(value: string): string {
  const token = value.trim();
  if (token.length < MIN_REPORT_TOKEN_LENGTH) {
    throw new Error(`the report token has ${token.length} characters; use at least ${MIN_REPORT_TOKEN_LENGTH} (e.g. openssl rand -hex 32)`);
  }
  if (/\s/.test(token)) throw new Error('the report token contains whitespace');
  return token;
}

const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'] as const;
export type PullPolicy = (typeof PULL_POLICIES)[number];

function pullPolicy(value: string): PullPolicy {
  const v = value.trim();
  if (!(PULL_POLICIES as readonly string[]).includes(v)) throw new Error(`"${value}" is not one of ${PULL_POLICIES.join(', ')}`);
  return v as PullPolicy;
}

// ---- the settings ----------------------------------------------------------------------------

const U = undefined as string | undefined;

export const SETTINGS = {
  kubeconfig: setting({ flag: 'kubeconfig', env: 'KUBECONFIG', help: 'kubeconfig file; in-cluster config when unset', parse: text, fallback: U }),
  influxUrl: setting({ flag: 'influx-url', env: 'ALERTIGER_INFLUX_URL', help: 'InfluxDB 1.x URL where statistics and anomalies are stored', parse: httpUrl, fallback: U, required: ['operator', 'job'] }),
  influxDatabase: setting({ flag: 'influx-database', env: 'ALERTIGER_INFLUX_DATABASE', help: 'InfluxDB database', parse: text, fallback: 'alertiger' }),
  influxSecret: setting({ flag: 'influx-secret', env: 'ALERTIGER_INFLUX_SECRET', help: "name of the Secret you create in each monitor's namespace with the jobs' InfluxDB credentials (keys username and password, or token); the CronJob references it, the operator never reads it", parse: objectName, fallback: U }),
  alertmanagerUrl: setting({ flag: 'alertmanager-url', env: 'ALERTIGER_ALERTMANAGER_URL', help: 'Alertmanager base URL (alerts go to its v2 API); a monitor may override it', parse: httpUrl, fallback: U }),
  jobImage: setting({ flag: 'job-image', env: 'ALERTIGER_JOB_IMAGE', help: "image the monitors' CronJobs run (the operator's own image)", parse: text, fallback: U, required: ['operator'] }),
  jobImagePullPolicy: setting({ flag: 'job-image-pull-policy', env: 'ALERTIGER_JOB_IMAGE_PULL_POLICY', help: 'imagePullPolicy of the job container', parse: pullPolicy, fallback: undefined as PullPolicy | undefined }),
  reportUrl: setting({ flag: 'report-url', env: 'ALERTIGER_REPORT_URL', help: "base URL of the operator's report pages, linked from alerts", parse: httpUrl, fallback: U }),
  reportTokenFile: setting({ flag: 'report-token-file', env: 'ALERTIGER_REPORT_TOKEN_FILE', help: 'file holding the bearer token the report pages require (re-read on each request); unset: loopback clients only', parse: text, fallback: U }),
  reportToken: setting({ flag: 'report-token', env: 'ALERTIGER_REPORT_TOKEN', help: 'the bearer token the report pages require, when not from a file', parse: reportToken, fallback: U }),
  namespaces: setting({ flag: 'namespaces', env: 'ALERTIGER_NAMESPACES', help: 'comma-separated namespaces to watch; empty watches all', parse: namespaceList, fallback: [] as string[] }),
  operatorNamespace: setting({ flag: 'operator-namespace', env: 'ALERTIGER_OPERATOR_NAMESPACE', help: "the operator's own namespace (its Lease and credentials Secret)", parse: dnsLabel, fallback: 'alertiger-system' }),
  jobCpuRequest: setting({ flag: 'job-cpu-request', env: 'ALERTIGER_JOB_CPU_REQUEST', help: 'CPU request of the job container', parse: quantity, fallback: '100m' }),
  jobMemoryRequest: setting({ flag: 'job-memory-request', env: 'ALERTIGER_JOB_MEMORY_REQUEST', help: 'memory request of the job container', parse: quantity, fallback: '256Mi' }),
  jobCpuLimit: setting({ flag: 'job-cpu-limit', env: 'ALERTIGER_JOB_CPU_LIMIT', help: "CPU limit of the job container ('none' for no limit)", parse: quantity, fallback: '' }),
  jobMemoryLimit: setting({ flag: 'job-memory-limit', env: 'ALERTIGER_JOB_MEMORY_LIMIT', help: "memory limit of the job container ('none' for no limit)", parse: quantity, fallback: '1Gi' }),
  resendInterval: setting({ flag: 'resend-interval', env: 'ALERTIGER_RESEND_INTERVAL', help: "how often every monitor's open anomalies are re-sent to Alertmanager", parse: positiveDuration, fallback: 300_000 }),
  resyncInterval: setting({ flag: 'resync-interval', env: 'ALERTIGER_RESYNC_INTERVAL', help: 'how often every monitor is reconciled again', parse: positiveDuration, fallback: 600_000 }),
  workers: setting({ flag: 'workers', env: 'ALERTIGER_WORKERS', help: 'monitors reconciled at once (a pass mostly waits on the API server)', parse: positiveInt, fallback: 16 }),
  listen: setting({ flag: 'listen', env: 'ALERTIGER_LISTEN', help: 'address of /healthz, /readyz, /metrics and the report pages', parse: listen, fallback: { host: '', port: 8080 } as ListenAddress }),
  leaderElect: setting({ flag: 'leader-elect', env: 'ALERTIGER_LEADER_ELECT', help: 'elect a leader on a Lease so only one replica acts', parse: bool, fallback: true }),
  leaseName: setting({ flag: 'lease-name', env: 'ALERTIGER_LEASE_NAME', help: "the leader-election Lease, in the operator's namespace", parse: objectName, fallback: 'alertiger-operator' }),
  leaseDuration: setting({ flag: 'lease-duration', env: 'ALERTIGER_LEASE_DURATION', help: 'how long a leader holds the Lease without renewing', parse: positiveDuration, fallback: 15_000 }),
  renewDeadline: setting({ flag: 'renew-deadline', env: 'ALERTIGER_RENEW_DEADLINE', help: 'a leader that has not renewed for this long stops acting', parse: positiveDuration, fallback: 10_000 }),
  retryPeriod: setting({ flag: 'retry-period', env: 'ALERTIGER_RETRY_PERIOD', help: 'how often the Lease is tried and renewed', parse: positiveDuration, fallback: 2_000 }),
  identity: setting({ flag: 'identity', env: 'ALERTIGER_POD_NAME', help: "this replica's identity in the Lease (default: HOSTNAME)", parse: text, fallback: U }),
};

export type Settings = typeof SETTINGS;
export type Config = { [K in keyof Settings]: Settings[K]['fallback'] };

/** The environment variable names the job's container gets (the CronJob builder sets them). */
export const JOB_ENV = {
  influxUrl: SETTINGS.influxUrl.env,
  influxDatabase: SETTINGS.influxDatabase.env,
  alertmanagerUrl: SETTINGS.alertmanagerUrl.env,
  reportUrl: SETTINGS.reportUrl.env,
  /** Credentials of the store InfluxDB, from the mirrored Secret. */
  influxUsername: 'ALERTIGER_INFLUX_USERNAME',
  influxPassword: 'ALERTIGER_INFLUX_PASSWORD',
  influxToken: 'ALERTIGER_INFLUX_TOKEN',
  /** Credentials of a source InfluxDB, from spec.source.influx.credentialsSecretRef. */
  sourceInfluxUsername: 'ALERTIGER_SOURCE_INFLUX_USERNAME',
  sourceInfluxPassword: 'ALERTIGER_SOURCE_INFLUX_PASSWORD',
  sourceInfluxToken: 'ALERTIGER_SOURCE_INFLUX_TOKEN',
} as const;

/** The keys of a credentials Secret that are copied and read. */
export const CREDENTIAL_KEYS = ['username', 'password', 'token'] as const;

/** The settings a job reads (the others are the operator's); `job --help` lists only these. */
const JOB_SETTINGS: readonly (keyof Settings)[] = ['kubeconfig', 'influxUrl', 'influxDatabase', 'alertmanagerUrl', 'reportUrl'];

export function helpFor(mode: Mode): string {
  const names = mode === 'job' ? JOB_SETTINGS : Object.keys(SETTINGS) as (keyof Settings)[];
  return names.map((name) => SETTINGS[name] as Setting<unknown>)
    .map((s) => `  --${s.flag.padEnd(24)} ${s.env.padEnd(34)} ${s.help}${s.required?.includes(mode) ? ' (required)' : ''}`)
    .join('\n');
}

/**
 * Reads flags (argv, without the command name) and the environment into a validated Config.
 * Flags not in SETTINGS are refused unless listed in `extraFlags` (a command's own options,
 * e.g. the job's --monitor), whose values are returned in `extra`.
 */
export function loadConfig(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  mode: Mode = 'operator',
  extraFlags: readonly string[] = [],
): Config & { extra: Record<string, string | undefined> } {
  const entries = Object.entries(SETTINGS as Record<string, Setting<unknown>>);
  const options: Record<string, { type: 'string' | 'boolean' }> = {};
  for (const [, s] of entries) options[s.flag] = { type: 'string' };
  for (const flag of extraFlags) options[flag] = { type: 'string' };
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values as Record<string, string | boolean | undefined>;
  } catch (err) {
    throw new AlertigerError('InvalidConfig', (err as Error).message, { cause: err });
  }
  const errors: string[] = [];
  const config: Record<string, unknown> = {};
  for (const [key, s] of entries) {
    const flagValue = values[s.flag];
    const raw = flagValue === undefined ? env[s.env] : String(flagValue);
    const source = flagValue === undefined ? s.env : `--${s.flag}`;
    // An empty variable counts as unset (Helm and kustomize often render empty values).
    if (raw === undefined || raw.trim() === '') {
      if (s.fallback === undefined && s.required?.includes(mode)) {
        errors.push(`${s.env} (or --${s.flag}) is required: ${s.help}`);
      }
      config[key] = s.fallback;
      continue;
    }
    try {
      config[key] = s.parse(raw);
    } catch (err) {
      errors.push(`${source}: ${(err as Error).message}`);
    }
  }
  const result = config as Config;
  result.identity ??= env.HOSTNAME?.trim() || undefined;
  if (errors.length === 0) errors.push(...crossChecks(result));
  if (errors.length > 0) {
    throw new AlertigerError('InvalidConfig', `invalid configuration:\n  ${errors.join('\n  ')}`);
  }
  const extra: Record<string, string | undefined> = {};
  for (const flag of extraFlags) extra[flag] = values[flag] as string | undefined;
  return { ...result, extra };
}

function crossChecks(config: Config): string[] {
  const errors: string[] = [];
  if (config.renewDeadline >= config.leaseDuration) {
    errors.push(`${SETTINGS.renewDeadline.env} (--${SETTINGS.renewDeadline.flag}) must be shorter than ${SETTINGS.leaseDuration.env} (--${SETTINGS.leaseDuration.flag})`);
  }
  if (config.reportToken !== undefined && config.reportTokenFile !== undefined) {
    errors.push(`set one of ${SETTINGS.reportToken.env} and ${SETTINGS.reportTokenFile.env}, not both`);
  }
  if (config.retryPeriod >= config.renewDeadline) {
    errors.push(`${SETTINGS.retryPeriod.env} (--${SETTINGS.retryPeriod.flag}) must be shorter than ${SETTINGS.renewDeadline.env} (--${SETTINGS.renewDeadline.flag})`);
  }
  return errors;
}

/** The operator's configuration, with the settings it requires known to be present. */
export type OperatorConfig = Config & { influxUrl: string; jobImage: string };

export function loadOperatorConfig(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): OperatorConfig {
  const { extra: _extra, ...config } = loadConfig(argv, env, 'operator');
  return config as OperatorConfig;
}

/** The Lease holder identity: the pod name, else the host name, else a fixed word. */
export function identityOf(config: Config): string {
  return config.identity ?? 'alertiger-operator';
}

/** Credentials read from the environment (the CronJob maps them from Secrets); never logged. */
export interface Credentials {
  username?: string;
  password?: string;
  token?: string;
}

/** The job's configuration: the shared settings, the monitor to run, and the credentials. */
export type JobConfig = Config & {
  influxUrl: string;
  /** NS/NAME of the ModelMonitor. */
  monitor: { namespace: string; name: string };
  /** For the statistics InfluxDB. */
  influxCredentials: Credentials;
  /** For a spec.source.influx with credentialsSecretRef. */
  sourceCredentials: Credentials;
  /**
   * The run's "now" (`--now` or ALERTIGER_NOW, ISO 8601): a run as it would have happened at
   * that time, to replay a missed window by hand or to test a later day. Default: the clock.
   */
  now?: Date;
  /** `--detector` or ALERTIGER_DETECTOR: a detector directory from `alertiger train`; the pretrained one by default. */
  detectorPath?: string;
};

export function loadJobConfig(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): JobConfig {
  const { extra, ...config } = loadConfig(argv, env, 'job', ['monitor', 'now', 'detector']);
  const ref = extra.monitor ?? '';
  const match = /^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)\/(.+)$/.exec(ref);
  if (match === null || !DNS_SUBDOMAIN.test(match[3]!)) {
    throw new AlertigerError('InvalidConfig', `--monitor must be NAMESPACE/NAME of a ModelMonitor, got "${ref}"`);
  }
  const credentials = (u: string, p: string, t: string): Credentials => {
    const out: Credentials = {};
    if (env[u]) out.username = env[u];
    if (env[p]) out.password = env[p];
    if (env[t]) out.token = env[t];
    return out;
  };
  const nowText = extra.now ?? env.ALERTIGER_NOW;
  const now = nowText !== undefined && nowText.trim() !== '' ? new Date(nowText.trim()) : undefined;
  if (now !== undefined && Number.isNaN(now.getTime())) {
    throw new AlertigerError('InvalidConfig', `${extra.now !== undefined ? '--now' : 'ALERTIGER_NOW'}: "${nowText}" is not an ISO 8601 time`);
  }
  return {
    ...(config as Config & { influxUrl: string }),
    ...(now !== undefined ? { now } : {}),
    ...((extra.detector ?? env.ALERTIGER_DETECTOR)?.trim() ? { detectorPath: (extra.detector ?? env.ALERTIGER_DETECTOR)!.trim() } : {}),
    monitor: { namespace: match[1]!, name: match[3]! },
    influxCredentials: credentials(JOB_ENV.influxUsername, JOB_ENV.influxPassword, JOB_ENV.influxToken),
    sourceCredentials: credentials(JOB_ENV.sourceInfluxUsername, JOB_ENV.sourceInfluxPassword, JOB_ENV.sourceInfluxToken),
  };
}
