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

/** How value `v` of a field may be written: its number (a leading zero below 10), or its name. */
function spellings(spec: FieldSpec, v: number): string[] {
  const name = spec.names?.[v - spec.min];
  return [v < 10 ? `0?${v}` : String(v), ...(name === undefined ? [] : [anyCase(name)])];
}

/** The values lo..hi of a field, as one alternation (numbers grouped by their tens). */
function valuesPattern(spec: FieldSpec, lo: number, hi: number): string {
  const parts: string[] = [];
  for (let tens = Math.floor(lo / 10); tens <= Math.floor(hi / 10); tens++) {
    const from = Math.max(lo, tens * 10) % 10;
    const to = Math.min(hi, tens * 10 + 9) % 10;
    parts.push(`${tens === 0 ? '0?' : String(tens)}[${from}-${to}]`);
  }
  for (let v = lo; v <= hi; v++) parts.push(...spellings(spec, v).slice(1));
  return parts.join('|');
}

/** A field where every range a-b runs forwards (a <= b); regular, so CEL can check it too. */
function forwardFieldPattern(spec: FieldSpec): string {
  const ranges: string[] = [];
  for (let a = spec.min; a <= spec.max; a++) ranges.push(`(?:${spellings(spec, a).join('|')})-(?:${valuesPattern(spec, a, spec.max)})`);
  const base = `\\*|${spec.question ? '\\?|' : ''}(?:${VALUE_PATTERNS[spec.name]})|${ranges.join('|')}`;
  const item = `(?:${base})(?:/[1-9][0-9]?)?`;
  return `${item}(?:,${item})*`;
}

/** Like positionalPattern, but the field's ranges must also run forwards. */
export function forwardPositionalPattern(index: number): string {
  return `^(\\S+\\s+){${index}}(${forwardFieldPattern(CRON_FIELDS[index]!)})(\\s+\\S+){${4 - index}}$`;
}

/** A month item (a, a-b, a/s, a-b/s) whose months all lie in `allowed`, as an alternation. */
function monthsWithinPattern(allowed: readonly number[]): string {
  const spec = CRON_FIELDS[3]!;
  const covered = (a: number, b: number, step: number): boolean => {
    for (let m = a; m <= b; m += step) if (!allowed.includes(m)) return false;
    return true;
  };
  const items: string[] = [];
  for (const a of allowed) {
    const spellA = `(?:${spellings(spec, a).join('|')})`;
    // b === 0 stands for the open form a/s, which runs to December.
    for (const b of [0, ...Array.from({ length: 13 - a }, (_, i) => a + i)]) {
      const end = b === 0 ? spec.max : b;
      // Steps of 12 and more reach no month after a; steps are 1-99 (the field's pattern).
      const steps = [...Array.from({ length: 11 }, (_, i) => i + 1).filter((st) => covered(a, end, st)).map(String), '1[2-9]', '[2-9][0-9]'];
      const head = b === 0 ? spellA : `${spellA}-(?:${spellings(spec, b).join('|')})`;
      // Without a step, a-b is every month from a to b; a alone is one month.
      items.push(b === 0 || covered(a, b, 1) ? `${head}(?:/(?:${steps.join('|')}))?` : `${head}/(?:${steps.join('|')})`);
    }
  }
  const item = `(?:${items.join('|')})`;
  return `${item}(?:,${item})*`;
}

/** A day-of-week field holding a star item (`*`, `?`, `*\/1`), so it does not restrict the day. */
const DOW_STAR = '(?:[^\\s,]*,)*[*?](?:/1)?(?:,[^\\s,]*)*';

/**
 * Schedules that never fire (see neverFires), as two patterns for the CRD's CEL rule: every day
 * of month item starts at 30 or more and every month is February, or at 31 and every month has
 * fewer than 31 days; the day of week unrestricted.
 */
export const CRON_NEVER_FIRES_PATTERNS: readonly string[] = [
  `^\\S+\\s+\\S+\\s+(?:3[01](?:[-/][0-9]+)*(?:,3[01](?:[-/][0-9]+)*)*)\\s+(?:${monthsWithinPattern([2])})\\s+(?:${DOW_STAR})$`,
  `^\\S+\\s+\\S+\\s+(?:31(?:[-/][0-9]+)*(?:,31(?:[-/][0-9]+)*)*)\\s+(?:${monthsWithinPattern([2, 4, 6, 9, 11])})\\s+(?:${DOW_STAR})$`,
];

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
  const schedule: CronSchedule = {
    minute: sets[0]!, hour: sets[1]!, dayOfMonth: sets[2]!, month: sets[3]!, dayOfWeek: sets[4]!,
    dayOfMonthRestricted: !isStar(parts[2]!),
    dayOfWeekRestricted: !isStar(parts[4]!),
  };
  const never = neverFires(schedule);
  if (never !== undefined) return { ok: false, error: `"${expr}" never fires: ${never}` };
  return { ok: true, schedule };
}

/**
 * A field counts as unrestricted when one of its items is `*` or `?` without a step above 1, as
 * the CronJob controller's parser (robfig/cron) sets its star bit.
 */
function isStar(field: string): boolean {
  return field.split(',').some((item) => /^[*?](\/1)?$/.test(item));
}

/** The most days month `m` (1-12) has; February's 29 fires in leap years. */
function daysIn(month: number): number {
  if (month === 2) return 29;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/**
 * Why a schedule can never fire, or undefined. Only the day of month can make it so: with the
 * day of week unrestricted, a day must exist in one of the months (day 31 in a 30-day month,
 * Feb 30). A restricted day of week always fires on some weekday.
 */
export function neverFires(schedule: CronSchedule): string | undefined {
  if (schedule.dayOfWeekRestricted || !schedule.dayOfMonthRestricted) return undefined;
  const months = [...schedule.month].sort((a, b) => a - b);
  const firstDay = Math.min(...schedule.dayOfMonth);
  if (months.some((m) => firstDay <= daysIn(m))) return undefined;
  const names = months.map((m) => MONTHS[m - 1]!.toUpperCase()).join(',');
  return `day ${[...schedule.dayOfMonth].sort((a, b) => a - b).join(',')} of the month never occurs in ${names} (and the day of week is *)`;
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
