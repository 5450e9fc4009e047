/**
 * Splits rows into UTC windows (1d or 1h) and keeps one accumulator per window, so a run can
 * compute the statistics of every window of a backfill in one read of the source. Rows need not
 * arrive in time order.
 *
 * Rows without a usable timestamp are corrupt. A corrupt line carries no timestamp, so it is
 * counted in the window of the nearest valid row before it in the stream (or after it, for
 * lines before the first valid row): logs are written in time order, near enough.
 */
import { StatsAccumulator, type StatsOptions } from './accumulator.js';
import type { WindowSummary } from './summary.js';
import type { CorruptLine, RowBatch } from '../sources/types.js';

export type Granularity = '1d' | '1h';

const HOUR = 3_600_000;

export function granularityMs(g: Granularity): number {
  if (g === '1h') return HOUR;
  if (g === '1d') return 24 * HOUR;
  throw new RangeError(`granularity must be 1d or 1h, got ${String(g)}`);
}

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
}

export class WindowedAccumulator {
  /** Rows outside [from, to): not counted anywhere else. */
  outside = 0;
  private readonly windows = new Map<number, StatsAccumulator>();
  private readonly size: number;
  private current: StatsAccumulator | undefined;
  private pending: CorruptLine[] = [];

  constructor(readonly options: WindowingOptions) {
    this.size = granularityMs(options.granularity);
  }

  addBatch(batch: RowBatch): void {
    // Corrupt lines and rows interleave in the file; a batch keeps them apart, so attribute the
    // batch's corrupt lines to the window of its first row (or the last window seen).
    const first = batch.rows.find((r) => r.ts !== undefined && Number.isFinite(r.ts) && this.inRange(r.ts));
    const target = first !== undefined ? this.accumulatorFor(first.ts!) : this.current;
    for (const c of batch.corrupt) this.corrupt(c, target);
    for (const row of batch.rows) {
      const ts = row.ts;
      if (ts === undefined || !Number.isFinite(ts)) {
        const reason = ts === undefined ? 'no timestamp' : 'unreadable timestamp';
        this.corrupt(row.file === undefined ? { line: row.line, reason } : { line: row.line, reason, file: row.file }, this.current);
        continue;
      }
      if (!this.inRange(ts)) {
        this.outside++;
        continue;
      }
      const acc = this.accumulatorFor(ts);
      acc.addFields(row.fields, row.line, row.file);
    }
  }

  private inRange(ts: number): boolean {
    return (this.options.from === undefined || ts >= this.options.from) && (this.options.to === undefined || ts < this.options.to);
  }

  private accumulatorFor(ts: number): StatsAccumulator {
    const start = Math.floor(ts / this.size) * this.size;
    let acc = this.windows.get(start);
    if (acc === undefined) {
      acc = new StatsAccumulator(this.options);
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

  /** The summaries by window start, in time order. Corrupt lines with no window at all are dropped into the first. */
  finish(): Array<{ windowStart: number; summary: WindowSummary }> {
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
