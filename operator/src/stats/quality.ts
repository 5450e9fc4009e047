/**
 * Data quality of an inference log: what could not be used, cell by cell, and what the monitor
 * names that the log does not hold. A bad value invalidates its cell only, never the row:
 *
 * - missing: an absent field, null, NaN, or a missing word ("", NaN, nan, NAN, null, NULL, None,
 *   N/A, n/a, <NA>, #N/A): counts in `missing_rate` only;
 * - invalid: a value of the wrong type (a non-numeric string, a boolean, an object in a numeric
 *   feature, score or label; an object or array in a categorical feature): counts in the
 *   field's `invalid_rate` and the window's `invalid_values`;
 * - non-finite: ±Infinity, or a magnitude above 1e150 (its square, and so std, would overflow):
 *   counts in the field's `non_finite_rate` and the window's `non_finite_values`, and is left out
 *   of mean, std, min, max and the quantiles.
 *
 * The per-window counts are stored as the statistics of category `data`, subject `log`
 * (DATA_STATISTICS), so the detector watches them like any other series.
 */
import type { CorruptLine } from '../sources/types.js';
import type { Statistics } from './names.js';

/** Above this magnitude a number counts as non-finite: its square would overflow a double. */
export const ABSURD_MAGNITUDE = 1e150;

/** Missing words: a string cell holding one of them is a missing value in every field. */
const MISSING_WORDS: ReadonlySet<string> = new Set(['', 'NaN', 'nan', 'NAN', 'null', 'NULL', 'None', 'N/A', 'n/a', '<NA>', '#N/A']);

/** True when the string is a missing word (the words are at most 4 characters: a cheap test). */
export function isMissingText(s: string): boolean {
  return s.length <= 4 && MISSING_WORDS.has(s);
}

/** The data-quality statistics of a window (category `data`, subject `log`): a contract like the others. */
export const DATA_STATISTICS = ['corrupt_lines', 'corrupt_rate', 'invalid_values', 'non_finite_values', 'duplicate_rows', 'future_rows'] as const;
export const DATA_CATEGORY = 'data';
export const DATA_SUBJECT = 'log';

/** Rows of a window hashed to find exact duplicates; later rows are only looked up. */
export const DUPLICATE_CHECK_ROWS = 20_000;
/** Invalid cells kept as examples per window. */
export const MAX_INVALID_EXAMPLES = 5;

export interface FieldProblems {
  /** Cells whose value had the wrong type. */
  invalid: number;
  /** Cells holding ±Infinity or a magnitude above 1e150. */
  nonFinite: number;
}

/** A field named in the monitor's schema that no row of the read holds. */
export interface MissingColumn {
  field: string;
  /** The setting that names it: schema.score, schema.label, schema.timestamp, schema.categorical. */
  setting: string;
}

/** A field of one kind holding values of another (they count as invalid). */
export interface TypeConflict {
  field: string;
  /** The kind the field was given: numeric (feature), categorical, score, label. */
  kind: string;
  invalid: number;
  /** Where the first one was and what it held. */
  example?: string;
}

/** The data quality of one window (WindowStatistics.quality) or of a whole file. */
export interface DataQualityReport {
  /** Valid rows of the window. */
  rows: number;
  corruptLines: number;
  invalidValues: number;
  nonFiniteValues: number;
  /** Rows identical to an earlier row of the window (among the first DUPLICATE_CHECK_ROWS hashed). */
  duplicateRows: number;
  /** Rows dated after the run's now (counted on the newest window of a read, otherwise ignored). */
  futureRows: number;
  /** Fields with invalid or non-finite cells. */
  fields: Record<string, FieldProblems>;
  /** The first few corrupt lines: where and why. */
  examples: CorruptLine[];
  /** The first few invalid cells: where, which field and what it held. */
  invalidExamples: CorruptLine[];
  /** Read-level findings, on the newest window of a read: named columns no row holds. */
  missingColumns: MissingColumn[];
  /** Read-level findings: fields holding values of another kind than theirs. */
  typeConflicts: TypeConflict[];
}

export function emptyQualityReport(): DataQualityReport {
  return { rows: 0, corruptLines: 0, invalidValues: 0, nonFiniteValues: 0, duplicateRows: 0, futureRows: 0, fields: {}, examples: [], invalidExamples: [], missingColumns: [], typeConflicts: [] };
}

/** The `data`/`log` statistics of a report. */
export function dataStatistics(q: DataQualityReport): Statistics {
  const lines = q.rows + q.corruptLines;
  return {
    corrupt_lines: q.corruptLines,
    corrupt_rate: lines > 0 ? q.corruptLines / lines : 0,
    invalid_values: q.invalidValues,
    non_finite_values: q.nonFiniteValues,
    duplicate_rows: q.duplicateRows,
    future_rows: q.futureRows,
  };
}

export interface QualityState {
  invalid: Array<[string, number]>;
  nonFinite: Array<[string, number]>;
  kinds: Array<[string, string]>;
  examples: CorruptLine[];
  duplicates: number;
  hashed: number;
  fieldsSeen: string[];
}

/** Field names remembered per window (to tell which named columns the log lacks). */
const MAX_FIELDS_SEEN = 4096;

/**
 * The mergeable data-quality part of a window summary: invalid cells per field (with the kind
 * the field had), non-finite labels (features and the score keep theirs in their own summary),
 * invalid-cell examples, duplicate rows and the field names seen.
 */
export class QualitySummary {
  readonly invalid = new Map<string, number>();
  readonly nonFinite = new Map<string, number>();
  readonly kinds = new Map<string, string>();
  readonly examples: CorruptLine[] = [];
  duplicates = 0;
  /** Rows hashed for the duplicate check. */
  hashed = 0;
  readonly fieldsSeen = new Set<string>();
  private hashes: RowHashes | undefined = new RowHashes();

  addInvalid(field: string, kind: string, example: () => CorruptLine): void {
    this.invalid.set(field, (this.invalid.get(field) ?? 0) + 1);
    if (!this.kinds.has(field)) this.kinds.set(field, kind);
    if (this.examples.length < MAX_INVALID_EXAMPLES) this.examples.push(example());
  }

  addNonFinite(field: string): void {
    this.nonFinite.set(field, (this.nonFinite.get(field) ?? 0) + 1);
  }

  seeField(name: string): void {
    if (this.fieldsSeen.size < MAX_FIELDS_SEEN) this.fieldsSeen.add(name);
  }

  /** A row's two 32-bit hashes: counts it a duplicate when an earlier row of the window had the same. */
  checkDuplicate(h1: number, h2: number): void {
    const hashes = this.hashes;
    if (hashes === undefined) return;
    if (hashes.has(h1, h2)) {
      this.duplicates++;
    } else if (this.hashed < DUPLICATE_CHECK_ROWS) {
      hashes.add(h1, h2);
      this.hashed++;
    }
  }

  /** Frees the hash set (the window is complete). */
  close(): void {
    this.hashes = undefined;
  }

  merge(other: QualitySummary): void {
    for (const [k, n] of other.invalid) this.invalid.set(k, (this.invalid.get(k) ?? 0) + n);
    for (const [k, n] of other.nonFinite) this.nonFinite.set(k, (this.nonFinite.get(k) ?? 0) + n);
    for (const [k, v] of other.kinds) if (!this.kinds.has(k)) this.kinds.set(k, v);
    for (const e of other.examples) if (this.examples.length < MAX_INVALID_EXAMPLES) this.examples.push(e);
    this.duplicates += other.duplicates;
    this.hashed += other.hashed;
    for (const f of other.fieldsSeen) this.seeField(f);
  }

  toJSON(): QualityState {
    return {
      invalid: [...this.invalid], nonFinite: [...this.nonFinite], kinds: [...this.kinds], examples: [...this.examples],
      duplicates: this.duplicates, hashed: this.hashed, fieldsSeen: [...this.fieldsSeen],
    };
  }

  static fromJSON(state: Partial<QualityState> | undefined): QualitySummary {
    const s = new QualitySummary();
    if (state === undefined) return s;
    for (const [k, n] of state.invalid ?? []) s.invalid.set(k, n);
    for (const [k, n] of state.nonFinite ?? []) s.nonFinite.set(k, n);
    for (const [k, v] of state.kinds ?? []) s.kinds.set(k, v);
    s.examples.push(...(state.examples ?? []).slice(0, MAX_INVALID_EXAMPLES));
    s.duplicates = state.duplicates ?? 0;
    s.hashed = state.hashed ?? 0;
    for (const f of state.fieldsSeen ?? []) s.seeField(f);
    return s;
  }
}

/**
 * A set of 64-bit row hashes (two int32 halves) in open addressing with linear probing: no
 * allocation per row, unlike a Set of numbers above 2^31. Sized for DUPLICATE_CHECK_ROWS at a
 * load of about 0.3; the pair (0, 0) marks an empty slot (a row hashing to it is never found).
 */
class RowHashes {
  private static readonly BITS = 16;
  private readonly mask = (1 << RowHashes.BITS) - 1;
  private readonly lo = new Int32Array(1 << RowHashes.BITS);
  private readonly hi = new Int32Array(1 << RowHashes.BITS);

  has(h1: number, h2: number): boolean {
    for (let i = h1 & this.mask; ; i = (i + 1) & this.mask) {
      const a = this.lo[i];
      const b = this.hi[i];
      if (a === 0 && b === 0) return false;
      if (a === h1 && b === h2) return true;
    }
  }

  add(h1: number, h2: number): void {
    if (h1 === 0 && h2 === 0) return;
    let i = h1 & this.mask;
    while (this.lo[i] !== 0 || this.hi[i] !== 0) i = (i + 1) & this.mask;
    this.lo[i] = h1;
    this.hi[i] = h2;
  }
}

/** A field named in the schema, to check that the log holds it. */
export interface NamedColumn {
  field: string;
  setting: string;
}

/** The named columns of the schema options (only the ones actually given). */
export function namedColumns(schema: { score?: string; label?: string; timestamp?: string; categorical?: readonly string[] }): NamedColumn[] {
  const out: NamedColumn[] = [];
  if (schema.score !== undefined) out.push({ field: schema.score, setting: 'schema.score' });
  if (schema.label !== undefined) out.push({ field: schema.label, setting: 'schema.label' });
  if (schema.timestamp !== undefined) out.push({ field: schema.timestamp, setting: 'schema.timestamp' });
  for (const c of schema.categorical ?? []) out.push({ field: c, setting: 'schema.categorical' });
  return out;
}

/** The named columns absent from every field set seen. */
export function missingColumns(named: readonly NamedColumn[], seen: ReadonlySet<string>): MissingColumn[] {
  return named.filter((n) => !seen.has(n.field)).map((n) => ({ field: n.field, setting: n.setting }));
}

/** Type conflicts from per-field invalid counts, kinds and the first examples. */
export function typeConflicts(q: { invalid: ReadonlyMap<string, number>; kinds: ReadonlyMap<string, string>; examples: readonly CorruptLine[] }): TypeConflict[] {
  return [...q.invalid].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([field, invalid]) => {
    const first = q.examples.find((e) => e.reason.startsWith(`field "${field}"`));
    const c: TypeConflict = { field, kind: q.kinds.get(field) ?? 'field', invalid };
    if (first !== undefined) c.example = `${where(first)}: ${first.reason}`;
    return c;
  });
}

/** file:line (or "line N") of a corrupt line or invalid cell. */
export function where(c: CorruptLine): string {
  return c.file !== undefined ? `${c.file}:${c.line}` : `line ${c.line}`;
}

/**
 * Adds the reports of several windows (one read): counts summed, per-field problems summed,
 * examples and findings kept in order (findings deduplicated by field).
 */
export function mergeReports(reports: readonly DataQualityReport[], maxExamples = 10): DataQualityReport {
  const out = emptyQualityReport();
  const conflicts = new Map<string, TypeConflict>();
  for (const q of reports) {
    out.rows += q.rows;
    out.corruptLines += q.corruptLines;
    out.invalidValues += q.invalidValues;
    out.nonFiniteValues += q.nonFiniteValues;
    out.duplicateRows += q.duplicateRows;
    out.futureRows += q.futureRows;
    for (const [k, p] of Object.entries(q.fields)) {
      const f = (out.fields[k] ??= { invalid: 0, nonFinite: 0 });
      f.invalid += p.invalid;
      f.nonFinite += p.nonFinite;
    }
    for (const e of q.examples) if (out.examples.length < maxExamples) out.examples.push(e);
    for (const e of q.invalidExamples) if (out.invalidExamples.length < maxExamples) out.invalidExamples.push(e);
    for (const m of q.missingColumns) if (!out.missingColumns.some((x) => x.field === m.field && x.setting === m.setting)) out.missingColumns.push(m);
    for (const c of q.typeConflicts) {
      const known = conflicts.get(c.field);
      if (known === undefined) conflicts.set(c.field, { ...c });
      else known.invalid += c.invalid;
    }
  }
  out.typeConflicts = [...conflicts.values()];
  return out;
}
