/**
 * The cron expressions a ModelMonitor's `spec.schedule` accepts: the five-field standard syntax
 * that a Kubernetes CronJob runs (minute hour day-of-month month day-of-week), with `*`, ranges
 * `a-b`, steps `/n`, lists `a,b`, month and weekday names (JAN..DEC, SUN..SAT, any case), `?` in
 * the two day fields, and the descriptors @yearly @annually @monthly @weekly @daily @midnight
 * @hourly, read in UTC (the CronJob's timeZone is Etc/UTC). Accepting only a subset of what the CronJob controller parses means a schedule the
 * API server admits never fails later when the operator writes the CronJob.
 *
 * The field patterns below are written once and used twice: by `parseCron` here, and verbatim
 * inside the CEL rules of crds/modelmonitors.alertiger.io.yaml (test/unit/api checks that they
 * match), so the API server and the operator agree on what a valid schedule is. They use only
 * syntax that RE2 (CEL) and JavaScript read the same way.
 */
import type { Granularity } from './types.js';

export type CronFieldName = 'minute' | 'hour' | 'dayOfMonth' | 'month' | 'dayOfWeek';

interface FieldSpec {
  name: CronFieldName;
  /** What an error message calls the field. */
  label: string;
  min: number;
  max: number;
  /** Names accepted for values (index + min is the value), lower case. */
  names?: readonly string[];
  /** `?` (no specific value) is accepted; day fields only. */
  question: boolean;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'] as const;
const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

export const CRON_FIELDS: readonly FieldSpec[] = [
  { name: 'minute', label: 'minute (1st field)', min: 0, max: 59, question: false },
  { name: 'hour', label: 'hour (2nd field)', min: 0, max: 23, question: false },
  { name: 'dayOfMonth', label: 'day of month (3rd field)', min: 1, max: 31, question: true },
  { name: 'month', label: 'month (4th field)', min: 1, max: 12, names: MONTHS, question: false },
  { name: 'dayOfWeek', label: 'day of week (5th field)', min: 0, max: 6, names: WEEKDAYS, question: true },
];

export const CRON_DESCRIPTORS: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

/** A name in any case, spelled as a character class per letter (JS has no inline (?i)). */
function anyCase(word: string): string {
  return [...word].map((c) => `[${c.toUpperCase()}${c}]`).join('');
}

/** The numbers min..max as an alternation, leading zero allowed (robfig's parser accepts "05"). */
const VALUE_PATTERNS: Readonly<Record<CronFieldName, string>> = {
  minute: '[0-5]?[0-9]',
  hour: '[01]?[0-9]|2[0-3]',
  dayOfMonth: '0?[1-9]|[12][0-9]|3[01]',
  month: ['0?[1-9]|1[0-2]', ...MONTHS.map(anyCase)].join('|'),
  dayOfWeek: ['0?[0-6]', ...WEEKDAYS.map(anyCase)].join('|'),
};

function fieldPattern(spec: FieldSpec): string {
  const value = `(?:${VALUE_PATTERNS[spec.name]})`;
  const base = `\\*|${spec.question ? '\\?|' : ''}${value}(?:-${value})?`;
  const item = `(?:${base})(?:/[1-9][0-9]?)?`;
  return `${item}(?:,${item})*`;
}

/** Per field, the unanchored pattern of one field's text (see the header comment). */
export const CRON_FIELD_PATTERNS: Readonly<Record<CronFieldName, string>> = Object.fromEntries(
  CRON_FIELDS.map((spec) => [spec.name, fieldPattern(spec)]),
) as Record<CronFieldName, string>;

/** Five whitespace-separated fields, or a descriptor. */
export const CRON_SHAPE_PATTERN = '^\\S+(\\s+\\S+){4}$';
export const CRON_DESCRIPTOR_PATTERN = `^@(${Object.keys(CRON_DESCRIPTORS).map((d) => d.slice(1)).join('|')})$`;

/** The pattern that holds when the field at `index` (0-based) of a 5-field expression is valid. */
export function positionalPattern(index: number): string {
  const name = CRON_FIELDS[index]!.name;
  return `^(\\S+\\s+){${index}}(${CRON_FIELD_PATTERNS[name]})(\\s+\\S+){${4 - index}}$`;
}

/** The values each field matches; a CronJob fires when every field matches the time. */
export interface CronSchedule {
  minute: ReadonlySet<number>;
  hour: ReadonlySet<number>;
  dayOfMonth: ReadonlySet<number>;
  month: ReadonlySet<number>;
  dayOfWeek: ReadonlySet<number>;
  /**
   * Cron's day rule: when both day fields are restricted, a day matches if EITHER matches;
   * when one is `*` (or `?`), only the other counts.
   */
  dayOfMonthRestricted: boolean;
  dayOfWeekRestricted: boolean;
}

export type CronParse = { ok: true; schedule: CronSchedule } | { ok: false; error: string };

/** Parses a schedule; the error names the field at fault and why. */
export function parseCron(expr: string): CronParse {
  // Strict about surrounding whitespace because the CRD's rule is: both must give one verdict.
  if (expr !== expr.trim()) return { ok: false, error: `"${expr}" has leading or trailing whitespace` };
  const text = CRON_DESCRIPTORS[expr] ?? expr;
  if (text.startsWith('@')) {
    return { ok: false, error: `unknown descriptor "${expr}"; use one of ${Object.keys(CRON_DESCRIPTORS).join(' ')}` };
  }
  const parts = text.split(/\s+/).filter((p) => p !== '');
  if (parts.length !== 5) {
    return { ok: false, error: `a cron expression has 5 fields (minute hour day-of-month month day-of-week), "${expr}" has ${parts.length}` };
  }
  const sets: Set<number>[] = [];
  for (let i = 0; i < 5; i++) {
    const spec = CRON_FIELDS[i]!;
    const parsed = parseField(parts[i]!, spec);
    if (typeof parsed === 'string') return { ok: false, error: `${spec.label} "${parts[i]}": ${parsed}` };
    sets.push(parsed);
  }
  const unrestricted = (p: string): boolean => p === '*' || p === '?';
  return {
    ok: true,
    schedule: {
      minute: sets[0]!, hour: sets[1]!, dayOfMonth: sets[2]!, month: sets[3]!, dayOfWeek: sets[4]!,
      dayOfMonthRestricted: !unrestricted(parts[2]!),
      dayOfWeekRestricted: !unrestricted(parts[4]!),
    },
  };
}

/** The set of values of one field, or a message saying what is wrong with it. */
function parseField(text: string, spec: FieldSpec): Set<number> | string {
  if (!new RegExp(`^(?:${CRON_FIELD_PATTERNS[spec.name]})$`).test(text)) {
    const names = spec.names ? `, or names ${spec.names[0]!.toUpperCase()}..${spec.names[spec.names.length - 1]!.toUpperCase()}` : '';
    return `expected *, a number ${spec.min}-${spec.max}${names}, a range a-b, a step /n or a comma list`;
  }
  const values = new Set<number>();
  for (const item of text.split(',')) {
    const [range, stepText] = item.split('/') as [string, string | undefined];
    const step = stepText === undefined ? 1 : Number(stepText);
    let lo: number;
    let hi: number;
    if (range === '*' || range === '?') {
      [lo, hi] = [spec.min, spec.max];
    } else {
      const [a, b] = range.split('-') as [string, string | undefined];
      lo = valueOf(a, spec);
      // "5/15" means 5 through the end, stepping 15, as in the CronJob controller's parser.
      hi = b !== undefined ? valueOf(b, spec) : stepText !== undefined ? spec.max : lo;
    }
    if (lo > hi) return `range ${range} runs backwards`;
    for (let v = lo; v <= hi; v += step) values.add(v);
  }
  return values;
}

function valueOf(token: string, spec: FieldSpec): number {
  const named = spec.names?.indexOf(token.toLowerCase()) ?? -1;
  return named >= 0 ? named + spec.min : Number(token);
}

/** True when the schedule fires in the minute that starts at `time` (UTC fields). */
export function cronMatches(schedule: CronSchedule, time: Date): boolean {
  if (!schedule.minute.has(time.getUTCMinutes()) || !schedule.hour.has(time.getUTCHours())) return false;
  if (!schedule.month.has(time.getUTCMonth() + 1)) return false;
  const dom = schedule.dayOfMonth.has(time.getUTCDate());
  const dow = schedule.dayOfWeek.has(time.getUTCDay());
  if (schedule.dayOfMonthRestricted && schedule.dayOfWeekRestricted) return dom || dow;
  return dom && dow;
}

/**
 * The schedule used when `spec.schedule` is absent: daily monitors run at 02:15, after the day's
 * late rows have landed; hourly ones at five past each hour.
 */
export function defaultSchedule(granularity: Granularity): string {
  return granularity === '1h' ? '5 * * * *' : '15 2 * * *';
}
