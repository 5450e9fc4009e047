/**
 * Splits rows into UTC windows (1d or 1h) and keeps one accumulator per window, so a run can
 * compute the statistics of every window of a backfill in one read of the source. Rows need not
 * arrive in time order.
 *
 * Rows without a usable timestamp are corrupt. A corrupt line carries no timestamp, so it is
 * counted in the window of the nearest valid row before it in the stream (or after it, for
 * lines before the first valid row): logs are written in time order, near enough.
 *
 * Rows dated after `now` (a clock gone wrong) are counted in `future` and otherwise ignored. When
 * rows were read but not one holds the timestamp field, `finish` fails with TimestampFieldMissing
 * naming the field and the fields seen (a typo in schema.timestamp, not an empty log). The
 * windows share their kind decisions (a feature is numeric in all of them or in none).
 */
import { granularityMs } from '../api/granularity.js';
import type { Granularity } from '../api/types.js';
import { AlertigerError } from '../errors.js';
import { StatsAccumulator, type FieldKind, type StatsOptions } from './accumulator.js';
import { missingColumns, type MissingColumn, type NamedColumn } from './quality.js';
import type { WindowSummary } from './summary.js';
import type { ColumnarRows, CorruptLine, Row, RowBatch } from '../sources/types.js';


/** Start (ms, UTC) of the window holding ts. */
export function windowStartOf(ts: number, g: Granularity): number {
  const size = granularityMs(g);
  return Math.floor(ts / size) * size;
}

export interface WindowingOptions extends StatsOptions {
  granularity: Granularity;
  /** Rows before this time (ms) are skipped. */
  from?: number;
  /** Rows at or after this time (ms) are skipped. */
  to?: number;
  /** The run's now (ms): rows dated later are counted in `future`; default: no such check. */
  now?: number;
  /** Fields the schema names, reported by `missingColumns()` when no row holds them. */
  named?: readonly NamedColumn[];
}

/** Field names quoted in the TimestampFieldMissing message. */
const MAX_FIELDS_NAMED = 30;

export class WindowedAccumulator {
  /** Rows outside [from, to) and not in the future: not counted anywhere else. */
  outside = 0;
  /** Rows dated after `now`: counted here, otherwise ignored. */
  future = 0;
  /** Rows read (with or without a timestamp) and those holding the timestamp field. */
  rowsRead = 0;
  timedRows = 0;
  private readonly windows = new Map<number, StatsAccumulator>();
  private readonly size: number;
  private readonly kinds = new Map<string, FieldKind>();
  /** Field names seen in rows, up to a bound (for the findings and the error message). */
  private readonly seen = new Set<string>();
  private readonly unseen: Set<string>;
  private current: StatsAccumulator | undefined;
  private pending: CorruptLine[] = [];

  constructor(readonly options: WindowingOptions) {
    this.size = granularityMs(options.granularity);
    this.unseen = new Set((options.named ?? []).map((n) => n.field));
  }

  addBatch(batch: RowBatch): void {
    // Corrupt lines and rows interleave in the file; a batch keeps them apart (each in line
    // order), so each corrupt line goes to the window of the last valid row before it.
    const corrupt = batch.corrupt;
    let k = 0;
    this.noteFields(batch);
    const now = this.options.now;
    for (const row of batch.rows) {
      while (k < corrupt.length && corrupt[k].line < row.line) this.corrupt(corrupt[k++], this.current);
      const ts = row.ts;
      this.rowsRead++;
      if (ts !== undefined) this.timedRows++;
      if (ts === undefined || !Number.isFinite(ts)) {
        const reason = ts === undefined ? 'no timestamp' : 'unreadable timestamp';
        this.corrupt(row.file === undefined ? { line: row.line, reason } : { line: row.line, reason, file: row.file }, this.current);
        continue;
      }
      if (now !== undefined && ts > now) {
        this.future++;
        continue;
      }
      if (!this.inRange(ts)) {
        this.outside++;
        continue;
      }
      const acc = this.accumulatorFor(ts);
      acc.addFields(row.fields, row.line, row.file);
    }
    while (k < corrupt.length) this.corrupt(corrupt[k++], this.current);
  }

  /** Field names of the batch's rows: all of a columnar batch, a row's until the named ones are found. */
  private noteFields(batch: RowBatch): void {
    const columns: ColumnarRows | undefined = batch.columns;
    if (columns !== undefined) {
      if (columns.length > 0) for (const name of columns.names) this.see(name);
      return;
    }
    const rows: Row[] = batch.rows;
    // Every row while a named field is unseen (cheap: the `in` test); a sample of rows for the
    // fields listed in the error message.
    for (let i = 0; i < rows.length; i++) {
      if (this.unseen.size > 0) for (const f of this.unseen) if (f in rows[i].fields) this.see(f);
      if (i === 0 && this.seen.size < MAX_FIELDS_NAMED) for (const k of Object.keys(rows[i].fields)) this.see(k);
    }
  }

  private see(name: string): void {
    this.unseen.delete(name);
    if (this.seen.size < 4096) this.seen.add(name);
  }

  /** The named fields no row of the read held. */
  missingColumns(): MissingColumn[] {
    return missingColumns((this.options.named ?? []).filter((n) => this.unseen.has(n.field)), new Set());
  }

  /** The fields seen, sorted (a bounded sample). */
  fieldsSeen(): string[] {
    return [...this.seen].sort();
  }

  private inRange(ts: number): boolean {
    return (this.options.from === undefined || ts >= this.options.from) && (this.options.to === undefined || ts < this.options.to);
  }

  private accumulatorFor(ts: number): StatsAccumulator {
    const start = Math.floor(ts / this.size) * this.size;
    let acc = this.windows.get(start);
    if (acc === undefined) {
      acc = new StatsAccumulator({ ...this.options, kinds: this.options.kinds ?? this.kinds });
      this.windows.set(start, acc);
    }
    if (this.current !== acc) {
      this.current = acc;
      for (const c of this.pending) acc.addCorrupt(c);
      this.pending = [];
    }
    return acc;
  }

  private corrupt(c: CorruptLine, target: StatsAccumulator | undefined): void {
    if (target === undefined) this.pending.push(c);
    else target.addCorrupt(c);
  }

  /**
   * The summaries by window start, in time order. Corrupt lines with no window at all are
   * dropped into the first. Fails with TimestampFieldMissing when rows were read and none held
   * the timestamp field.
   */
  finish(): Array<{ windowStart: number; summary: WindowSummary }> {
    if (this.rowsRead > 0 && this.timedRows === 0) {
      const field = this.options.timestamp ?? 'ts';
      const seen = this.fieldsSeen().slice(0, MAX_FIELDS_NAMED);
      throw new AlertigerError('TimestampFieldMissing', `no row of the log has the timestamp field "${field}" (schema.timestamp); ${this.rowsRead} rows read, fields seen: ${seen.length > 0 ? seen.join(', ') : 'none'}`);
    }
    const out = [...this.windows].sort((a, b) => a[0] - b[0]).map(([windowStart, acc]) => ({ windowStart, summary: acc.finish() }));
    if (out.length > 0) for (const c of this.pending) out[0].summary.addCorrupt(c);
    this.pending = [];
    return out;
  }

  /** Corrupt lines seen while no window existed yet (all of them, when no row was valid). */
  get unassignedCorrupt(): number {
    return this.windows.size === 0 ? this.pending.length : 0;
  }
}
