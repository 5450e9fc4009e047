/**
 * Feeds rows into a WindowSummary: the hot path of `alertiger stats` and of every run.
 *
 * Rows are staged column-wise in batches of 512 (a Float64Array per numeric field with NaN for
 * missing, an array per categorical field), then each column is summarised in one tight loop.
 * Field names are resolved through a small cache of row shapes, so rows shaped like an earlier
 * one (the usual case, also with optional fields absent) cost a pointer comparison per field,
 * not a map lookup.
 *
 * Field roles: the score, label and timestamp fields and those matching `exclude` are not
 * features. A feature is categorical when listed in `categorical`; otherwise the majority of its
 * present values in the first batch (512 rows) that holds any decides: numbers (ties included)
 * make it numeric, strings and booleans categorical, objects and arrays make it no feature
 * (ignored). Missing words ("NaN", "null", "None", "", ...: quality.ts) are missing values, not
 * votes. With `kinds`, the decision is shared (the windows of one read agree).
 *
 * Cells, not rows: a value of the wrong type (a non-numeric string in a numeric feature, score
 * or label; an object in a categorical feature) invalidates its cell only. It is counted per
 * field (invalid_rate) with the first few as examples, and the row's other fields still count.
 * A numeric string ("3.5", "inf") in a numeric field is taken as its number.
 *
 * Duplicates: each row's fields (names and values, the timestamp included) are hashed to 64
 * bits; a row whose hash matches one of the first 20,000 rows of the window is a duplicate.
 */
import { compileGlob } from '../api/glob.js';
import { WindowSummary } from './summary.js';
import type { ColumnarRows, CorruptLine, Row, RowBatch } from '../sources/types.js';
import { typeCell } from '../sources/csv.js';
import { ABSURD_MAGNITUDE, isMissingText } from './quality.js';
import { ScoreSummary, DEFAULT_THRESHOLD } from './score.js';
import type { Task } from './label.js';

export interface StatsOptions {
  /** Score field; `score` by default. */
  score?: string;
  /** Label field; `label` by default. */
  label?: string;
  /** Timestamp field (not a feature); `ts` by default. */
  timestamp?: string;
  categorical?: readonly string[];
  /** Glob patterns (`*`, `?`) of fields that are not features. */
  exclude?: readonly string[];
  /** Score threshold of positive_rate; 0.5 by default. */
  threshold?: number;
  task?: Task;
  /** Corrupt lines kept as examples; 10 by default. */
  maxExamples?: number;
  /** Kinds decided so far, shared by the accumulators of one read (the windows agree). */
  kinds?: Map<string, FieldKind>;
  /** Count exact duplicate rows (default true). */
  duplicates?: boolean;
}

/** The kind a field was given. */
export type FieldKind = 'numeric' | 'categorical' | 'ignored';

const BATCH = 512;
const UNKNOWN = 0;
const NUMERIC = 1;
const CATEGORICAL = 2;
const SCORE = 3;
const LABEL = 4;
const IGNORED = 5;
/** Fields from which V8's JSON.parse builds a dictionary-mode object (measured on Node 20). */
const WIDE_ROW = 128;
/** Row shapes remembered; past that (a log whose every row differs) the cache starts over. */
const MAX_SHAPES = 1024;
/** Labels written as text (CSV): true/false in the usual spellings. */
const BOOLEAN_TEXT = new Map([['true', 1], ['false', 0], ['True', 1], ['False', 0], ['TRUE', 1], ['FALSE', 0]]);
const ROLE = ['feature', 'numeric feature', 'categorical feature', 'score', 'label', 'field'];
const KIND_NAME = ['feature', 'numeric', 'categorical', 'score', 'label', 'field'];
const SHARED_KIND: Record<FieldKind, number> = { numeric: NUMERIC, categorical: CATEGORICAL, ignored: IGNORED };
/** Scratch for hashing numbers and the two running 32-bit hashes of a row. */
const F64 = new Float64Array(1);
const I32 = new Int32Array(F64.buffer);
const H = new Int32Array(2);
const SEED_A = 0x2545f491;
const SEED_B = 0x6b43a9b5;

export class StatsAccumulator {
  readonly summary: WindowSummary;
  private readonly scoreField: string;
  private readonly labelField: string;
  private readonly timestampField: string;
  private readonly categorical: Set<string>;
  private readonly exclude: RegExp | undefined;
  private readonly shared: Map<string, FieldKind> | undefined;
  private readonly checkDuplicates: boolean;
  private readonly slots = new Map<string, number>();
  private readonly names: string[] = [];
  private readonly kinds: number[] = [];
  private readonly numericColumns: Float64Array[] = [];
  private readonly categoricalColumns: Array<Array<string | undefined>> = [];
  /** Present values of fields whose kind is not decided yet, by slot (decided at the flush). */
  private readonly pending: Array<unknown[] | undefined> = [];
  private readonly pendingSlots: number[] = [];
  private readonly scores = new Float64Array(BATCH).fill(NaN);
  private readonly labels = new Float64Array(BATCH).fill(NaN);
  /** Line and file of each staged row (for the examples of invalid cells). */
  private readonly rowLines = new Float64Array(BATCH);
  private readonly rowFiles: Array<string | undefined> = new Array<string | undefined>(BATCH).fill(undefined);
  /** Row hashes of a columnar batch. */
  private readonly hash1 = new Int32Array(BATCH);
  private readonly hash2 = new Int32Array(BATCH);
  /** Row shapes seen (key lists and their slots) by signature; cleared when it grows too big. */
  private readonly shapes = new Map<number, Array<{ keys: string[]; slots: Int32Array }>>();
  private size = 0;
  /** Scratch for the values of a wide row (lookUp). */
  private readonly wideValues: unknown[] = [];

  constructor(readonly options: StatsOptions = {}) {
    this.scoreField = options.score ?? 'score';
    this.labelField = options.label ?? 'label';
    this.timestampField = options.timestamp ?? 'ts';
    this.categorical = new Set(options.categorical ?? []);
    this.exclude = options.exclude && options.exclude.length > 0 ? globsToRegExp(options.exclude) : undefined;
    this.shared = options.kinds;
    this.checkDuplicates = options.duplicates !== false;
    this.summary = new WindowSummary(new ScoreSummary(options.threshold ?? DEFAULT_THRESHOLD), options.maxExamples);
  }

  addRow(row: Row): void {
    this.addFields(row.fields, row.line, row.file);
  }

  addBatch(batch: RowBatch): void {
    for (const c of batch.corrupt) this.summary.addCorrupt(c);
    if (batch.columns !== undefined) {
      this.addColumns(batch.columns);
      return;
    }
    for (const row of batch.rows) this.addFields(row.fields, row.line, row.file);
  }

  addCorrupt(c: CorruptLine): void {
    this.summary.addCorrupt(c);
  }

  /**
   * Stages one row. A value of the wrong type invalidates its cell only (counted, with the
   * first few as examples); the row always counts. Returns true (kept for callers that test it).
   */
  addFields(fields: Record<string, unknown>, line: number, file?: string): boolean {
    // Object.keys + Object.values run in native code: about twice as fast as for...in here. But
    // JSON.parse gives a row of WIDE_ROW fields or more a dictionary-mode object, on which
    // Object.values takes a generic path 3x slower than looking each key up (issue 14: it made
    // the cost per value grow with the column count).
    const keys = Object.keys(fields);
    const values = keys.length < WIDE_ROW ? Object.values(fields) : this.lookUp(fields, keys);
    const slots = this.slotsFor(keys);
    const kinds = this.kinds;
    const numeric = this.numericColumns;
    const r = this.size;
    this.rowLines[r] = line;
    this.rowFiles[r] = file;
    if (!this.checkDuplicates) {
      for (let i = 0; i < slots.length; i++) {
        const slot = slots[i];
        const kind = kinds[slot];
        const v = values[i];
        if (kind === NUMERIC && typeof v === 'number') numeric[slot][r] = v;
        else if (kind !== IGNORED) this.stage(slot, r, v);
      }
    } else {
      // The same loop, hashing each value on the way (numbers inline: the common case).
      let a = SEED_A;
      let b = SEED_B;
      for (let i = 0; i < slots.length; i++) {
        const slot = slots[i];
        const kind = kinds[slot];
        const v = values[i];
        a ^= slot;
        if (typeof v === 'number') {
          if (kind === NUMERIC) numeric[slot][r] = v;
          else if (kind !== IGNORED) this.stage(slot, r, v);
          F64[0] = v;
          const lo = I32[0];
          const hi = I32[1];
          a = Math.imul(a ^ lo, 0x9e3779b1) ^ hi;
          b = Math.imul(b ^ hi, 0x85ebca6b) + lo;
        } else {
          if (kind !== IGNORED) this.stage(slot, r, v);
          H[0] = a;
          H[1] = b;
          mixValue(v);
          a = H[0];
          b = H[1];
        }
      }
      this.summary.quality.checkDuplicate(a, b);
    }
    this.size = r + 1;
    if (this.size === BATCH) this.flush();
    return true;
  }

  /** The values of a wide row's keys, in a reused array. */
  private lookUp(fields: Record<string, unknown>, keys: string[]): unknown[] {
    const values = this.wideValues;
    values.length = keys.length;
    for (let i = 0; i < keys.length; i++) values[i] = fields[keys[i]];
    return values;
  }

  /**
   * The slots of a row's keys. Rows come in few shapes (the same fields, some optional ones
   * absent): shapes are remembered under a cheap signature of their key lengths and confirmed
   * by comparing keys (interned strings: pointer comparisons).
   */
  private slotsFor(keys: string[]): Int32Array {
    let signature = keys.length;
    for (let i = 0; i < keys.length; i++) signature = (Math.imul(signature, 31) + keys[i].length) | 0;
    let shapes = this.shapes.get(signature);
    if (shapes === undefined) {
      if (this.shapes.size >= MAX_SHAPES) this.shapes.clear();
      this.shapes.set(signature, shapes = []);
    }
    for (const shape of shapes) {
      if (shape.keys.length !== keys.length) continue;
      let same = true;
      for (let i = 0; i < keys.length; i++) {
        if (shape.keys[i] !== keys[i]) {
          same = false;
          break;
        }
      }
      if (same) return shape.slots;
    }
    const slots = new Int32Array(keys.length);
    for (let i = 0; i < keys.length; i++) slots[i] = this.slotOf(keys[i]);
    shapes.push({ keys, slots });
    return slots;
  }

  /** Stages one value of row r by the field's kind; a value of the wrong type is an invalid cell. */
  private stage(slot: number, r: number, v: unknown): void {
    const kind = this.kinds[slot];
    if (kind === NUMERIC) {
      if (typeof v === 'number') this.numericColumns[slot][r] = v;
      else if (v !== null && v !== undefined) this.stageOddNumber(this.numericColumns[slot], slot, r, v);
    } else if (kind === CATEGORICAL) {
      if (typeof v === 'string') {
        if (!isMissingText(v)) this.categoricalColumns[slot][r] = v;
      } else if (v !== null && v !== undefined) {
        this.stageOddCategory(slot, r, v);
      }
    } else if (kind === SCORE) {
      if (typeof v === 'number') this.scores[r] = v;
      else if (v !== null && v !== undefined) this.stageOddNumber(this.scores, slot, r, v);
    } else if (kind === LABEL) {
      if (typeof v === 'number') this.stageLabel(slot, r, v);
      else if (typeof v === 'boolean') this.labels[r] = v ? 1 : 0;
      else if (typeof v === 'string' && BOOLEAN_TEXT.has(v)) this.labels[r] = BOOLEAN_TEXT.get(v)!;
      else if (v !== null && v !== undefined) this.stageOddNumber(this.labels, slot, r, v);
    } else if (kind === UNKNOWN) {
      this.discover(slot, r, v);
    }
  }

  /** A label beyond ±1e150 or infinite is counted non-finite and left out (the row is unlabelled). */
  private stageLabel(slot: number, r: number, v: number): void {
    if (v <= ABSURD_MAGNITUDE && v >= -ABSURD_MAGNITUDE) this.labels[r] = v;
    else if (v === v) this.summary.quality.addNonFinite(this.names[slot]);
  }

  /**
   * Stages columnar rows (Parquet, CSV) without building row objects; invalid cells are found
   * and counted cell by cell like those of rows.
   */
  addColumns(c: ColumnarRows): void {
    const slots = c.names.map((name) => this.slotOf(name));
    for (let start = 0; start < c.length;) {
      const take = Math.min(c.length - start, BATCH - this.size);
      const base = this.size;
      for (let i = 0; i < take; i++) {
        this.rowLines[base + i] = c.lines?.[start + i] ?? c.firstLine + start + i;
        this.rowFiles[base + i] = c.file;
      }
      this.stageColumns(c, slots, start, take);
      if (this.checkDuplicates) this.hashColumns(c, slots, start, take);
      this.size += take;
      start += take;
      if (this.size === BATCH) this.flush();
    }
  }

  private stageColumns(c: ColumnarRows, slots: number[], start: number, take: number): void {
    const base = this.size;
    for (let j = 0; j < slots.length; j++) {
      const slot = slots[j];
      const data = c.data[j];
      const kind = this.kinds[slot];
      if (kind === NUMERIC && data instanceof Float64Array) {
        this.numericColumns[slot].set(data.subarray(start, start + take), base);
        continue;
      }
      if (kind === NUMERIC) {
        const column = this.numericColumns[slot];
        for (let i = 0; i < take; i++) {
          const v = data[start + i];
          if (typeof v === 'number') column[base + i] = v;
          else if (v !== null && v !== undefined) this.stage(slot, base + i, v);
        }
        continue;
      }
      if (kind === CATEGORICAL) {
        const column = this.categoricalColumns[slot];
        for (let i = 0; i < take; i++) {
          const v = data[start + i];
          if (typeof v === 'string' && !isMissingText(v)) column[base + i] = v;
          else if (v !== null && v !== undefined) this.stage(slot, base + i, v);
        }
        continue;
      }
      if (kind === IGNORED) continue;
      for (let i = 0; i < take; i++) this.stage(slot, base + i, data[start + i]);
    }
  }

  /** Hashes the rows of a columnar slice column by column, then checks each row. */
  private hashColumns(c: ColumnarRows, slots: number[], start: number, take: number): void {
    const h1 = this.hash1;
    const h2 = this.hash2;
    h1.fill(SEED_A, 0, take);
    h2.fill(SEED_B, 0, take);
    for (let j = 0; j < slots.length; j++) {
      const data = c.data[j];
      for (let i = 0; i < take; i++) {
        const v = data[start + i];
        if (v === null || v === undefined) continue;
        H[0] = h1[i] ^ slots[j];
        H[1] = h2[i];
        mixValue(v);
        h1[i] = H[0];
        h2[i] = H[1];
      }
    }
    const quality = this.summary.quality;
    for (let i = 0; i < take; i++) quality.checkDuplicate(h1[i], h2[i]);
  }

  /** A bigint is a number, and so is a numeric string; a missing word is missing; else invalid. */
  private stageOddNumber(column: Float64Array, slot: number, r: number, v: unknown): void {
    if (typeof v === 'bigint') {
      column[r] = Number(v);
      return;
    }
    if (typeof v === 'string') {
      const t = typeCell(v);
      if (t === null) return;
      if (typeof t === 'number') {
        if (this.kinds[slot] === LABEL) this.stageLabel(slot, r, t);
        else column[r] = t;
        return;
      }
    }
    this.invalid(slot, r, v);
  }

  private stageOddCategory(slot: number, r: number, v: unknown): void {
    if (typeof v === 'boolean' || typeof v === 'bigint' || (typeof v === 'number' && !Number.isNaN(v))) {
      this.categoricalColumns[slot][r] = String(v);
    } else if (typeof v !== 'number') {
      this.invalid(slot, r, v);
    }
  }

  /** Counts an invalid cell of row r (the row's other cells still count). */
  private invalid(slot: number, r: number, v: unknown): void {
    const name = this.names[slot];
    const kind = this.kinds[slot];
    this.summary.quality.addInvalid(name, KIND_NAME[kind], () => {
      const reason = `field "${name}": ${describeValue(v)} in a ${ROLE[kind]}`;
      const file = this.rowFiles[r];
      return file === undefined ? { line: this.rowLines[r], reason } : { line: this.rowLines[r], reason, file };
    });
  }

  /**
   * A present value of a feature of unknown kind waits for the flush, where the majority of the
   * batch's present values decides the kind (or the shared decision of another window).
   */
  private discover(slot: number, r: number, v: unknown): void {
    const decided = this.shared?.get(this.names[slot]);
    if (decided !== undefined) {
      this.setKind(slot, SHARED_KIND[decided]);
      if (this.kinds[slot] !== IGNORED) this.stage(slot, r, v);
      return;
    }
    if (v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v)) || (typeof v === 'string' && isMissingText(v))) {
      this.summary.noteUnknown(this.names[slot]);
      return;
    }
    let pending = this.pending[slot];
    if (pending === undefined) {
      pending = this.pending[slot] = new Array<unknown>(BATCH).fill(undefined);
      this.pendingSlots.push(slot);
    } else if (this.pendingSlots.indexOf(slot) < 0) {
      this.pendingSlots.push(slot);
    }
    pending[r] = v;
  }

  /** Decides the kind of each field with pending values by majority, then stages them. */
  private resolvePending(n: number): void {
    for (const slot of this.pendingSlots) {
      const pending = this.pending[slot]!;
      if (this.kinds[slot] === UNKNOWN) {
        const name = this.names[slot];
        const decided = this.shared?.get(name);
        if (decided !== undefined) {
          this.setKind(slot, SHARED_KIND[decided]);
        } else {
          let numbers = 0;
          let texts = 0;
          let others = 0;
          for (let r = 0; r < n; r++) {
            const v = pending[r];
            if (v === undefined) continue;
            if (typeof v === 'number' || typeof v === 'bigint') numbers++;
            else if (typeof v === 'string' || typeof v === 'boolean') texts++;
            else others++;
          }
          const kind = others > numbers && others > texts ? IGNORED : numbers >= texts ? NUMERIC : CATEGORICAL;
          this.setKind(slot, kind);
          this.shared?.set(name, kind === NUMERIC ? 'numeric' : kind === CATEGORICAL ? 'categorical' : 'ignored');
        }
      }
      const keep = this.kinds[slot] !== IGNORED;
      for (let r = 0; r < n; r++) {
        const v = pending[r];
        if (v === undefined) continue;
        pending[r] = undefined;
        if (keep) this.stage(slot, r, v);
      }
    }
    this.pendingSlots.length = 0;
  }

  private setKind(slot: number, kind: number): void {
    this.kinds[slot] = kind;
    const name = this.names[slot];
    if (kind === NUMERIC) {
      this.numericColumns[slot] ??= new Float64Array(BATCH).fill(NaN);
      this.summary.numeric(name);
    } else if (kind === CATEGORICAL) {
      this.categoricalColumns[slot] ??= new Array<string | undefined>(BATCH).fill(undefined);
      this.summary.categorical(name);
    }
  }

  private slotOf(key: string): number {
    const known = this.slots.get(key);
    if (known !== undefined) return known;
    const slot = this.names.length;
    this.slots.set(key, slot);
    this.names.push(key);
    this.summary.quality.seeField(key);
    let kind = UNKNOWN;
    if (key === this.scoreField) kind = SCORE;
    else if (key === this.labelField) kind = LABEL;
    if (kind === SCORE || kind === LABEL) this.summary.quality.kinds.set(key, KIND_NAME[kind]);
    else if (key === this.timestampField || this.exclude?.test(key)) kind = IGNORED;
    else if (this.categorical.has(key)) kind = CATEGORICAL;
    else if (this.shared?.has(key) === true) kind = SHARED_KIND[this.shared.get(key)!];
    this.kinds.push(UNKNOWN);
    if (kind !== UNKNOWN) this.setKind(slot, kind);
    return slot;
  }

  /** Summarises the staged rows. */
  flush(): void {
    const n = this.size;
    if (n === 0) return;
    if (this.pendingSlots.length > 0) this.resolvePending(n);
    const summary = this.summary;
    for (let slot = 0; slot < this.kinds.length; slot++) {
      const kind = this.kinds[slot];
      if (kind === NUMERIC) {
        const column = this.numericColumns[slot];
        summary.numeric(this.names[slot]).addColumn(column, n);
        column.fill(NaN, 0, n);
      } else if (kind === CATEGORICAL) {
        summary.categorical(this.names[slot]).addColumn(this.categoricalColumns[slot], n);
      }
    }
    summary.score.addColumn(this.scores, n);
    summary.label.addColumns(this.scores, this.labels, n);
    this.scores.fill(NaN, 0, n);
    this.labels.fill(NaN, 0, n);
    this.rowFiles.fill(undefined, 0, n);
    summary.rows += n;
    this.size = 0;
  }

  /** Flushes and returns the summary (its duplicate check is closed: the window is complete). */
  finish(): WindowSummary {
    this.flush();
    this.summary.quality.close();
    return this.summary;
  }
}

/** Mixes a 32-bit integer into both running hashes. */
function mixNumber(x: number): void {
  H[0] = Math.imul(H[0] ^ x, 0x9e3779b1);
  H[1] = Math.imul(H[1] + x, 0x85ebca6b) ^ x;
}

/** Mixes one value (its type and content) into both running hashes. */
function mixValue(v: unknown): void {
  if (typeof v === 'number') {
    F64[0] = v;
    const lo = I32[0];
    const hi = I32[1];
    H[0] = Math.imul(H[0] ^ lo, 0x9e3779b1) ^ hi;
    H[1] = Math.imul(H[1] ^ hi, 0x85ebca6b) + lo;
  } else if (typeof v === 'string') {
    let a = H[0] ^ v.length;
    let b = H[1] + v.length;
    for (let i = 0; i < v.length; i++) {
      const ch = v.charCodeAt(i);
      a = Math.imul(a ^ ch, 0x01000193);
      b = Math.imul(b + ch, 0x5bd1e995);
    }
    H[0] = a;
    H[1] = b ^ (b >>> 15);
  } else if (typeof v === 'boolean') {
    mixNumber(v ? 0x1b873593 : 0x0e6546b6);
  } else if (v === null || v === undefined) {
    mixNumber(0x7f4a7c15);
  } else if (typeof v === 'bigint') {
    mixValue(String(v));
  } else if (v instanceof Date) {
    mixValue(v.getTime());
  } else {
    let text: string | undefined;
    try {
      text = JSON.stringify(v);
    } catch {
      text = undefined;
    }
    mixValue(text ?? String(v));
  }
}

function describeValue(v: unknown): string {
  if (typeof v === 'string') return `string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)}`;
  if (Array.isArray(v)) return 'an array';
  if (v === null) return 'null';
  return typeof v === 'object' ? 'an object' : `${typeof v} ${String(v)}`;
}

/** One RegExp matching any of the glob patterns (the syntax of api/glob.ts). */
function globsToRegExp(patterns: readonly string[]): RegExp {
  const sources = patterns.map((p) => {
    const compiled = compileGlob(p);
    if (!compiled.ok) throw new RangeError(`exclude pattern "${p}" is not a valid glob: ${compiled.error}`);
    return compiled.regex.source;
  });
  return new RegExp(sources.map((r) => `(?:${r})`).join('|'));
}
