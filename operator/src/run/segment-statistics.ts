/**
 * The read side of segments (docs/segments.md), for the statistics port: one SegmentAccumulator
 * per spec.schema.segments column fed the same batches as the windowed statistics; at the end
 * of the read the tracked values are chosen (chooseSegments: the choice remembered in the store,
 * revised by this read's counts) and saved, and each window gets its segment statistics as
 * extra store values under segment subjects (`score[origin=BOS]`). A monitor without segments
 * never builds one: its read and its values are as they were.
 */
import type { DefaultedSpec } from '../api/defaults.js';
import { granularityMs } from '../api/granularity.js';
import { SPECS } from '../detector/spec.js';
import { chooseSegments, segmentStatistics, SegmentAccumulator, type SegmentChoice } from '../stats/segments.js';
import type { RowBatch } from '../sources/types.js';
import type { StatValue, WindowStatistics } from './ports.js';

/** Where the tracked values are remembered between runs (the store, next to the drift reference). */
export interface SegmentChoiceStore {
  loadSegments?(): Promise<SegmentChoice[] | undefined>;
  saveSegments?(choices: SegmentChoice[]): Promise<void>;
}

export interface SegmentReader {
  addBatch(batch: RowBatch): void;
  /** Segment statistics per window start, for the windows that held rows. */
  finish(): Promise<Map<number, StatValue[]>>;
}

/** A reader for one read of [from, to), or undefined when the monitor has no segments. */
export async function segmentReader(spec: DefaultedSpec, store: SegmentChoiceStore, range: { from: number; to: number; now: number }): Promise<SegmentReader | undefined> {
  const columns = spec.schema.segments;
  if (columns.length === 0) return undefined;
  const previous = (await store.loadSegments?.()) ?? [];
  const accumulators = columns.map((g) => new SegmentAccumulator({
    column: g.column,
    score: spec.schema.score ?? 'score',
    label: spec.schema.label ?? 'label',
    timestamp: spec.schema.timestamp ?? 'ts',
    threshold: spec.schema.threshold,
    granularity: spec.granularity,
    ...range,
    tracked: new Set(previous.find((p) => p.column === g.column)?.values.map((v) => v.value) ?? []),
  }));
  return {
    addBatch(batch) {
      for (const acc of accumulators) acc.addBatch(batch);
    },
    async finish() {
      // A value absent for a whole detector history has no history left to score against.
      const expireMs = SPECS[spec.granularity].window * granularityMs(spec.granularity);
      const choices = columns.map((g, i) => {
        const acc = accumulators[i].finish();
        return chooseSegments(previous.find((p) => p.column === g.column), g.column, acc.counts, acc.lastSeen, { topK: g.topK, expireMs, now: range.to });
      });
      await store.saveSegments?.(choices);
      const out = new Map<number, StatValue[]>();
      const options = { scoreSubject: spec.schema.score ?? 'score', labelSubject: spec.schema.label ?? 'label', task: spec.schema.task, threshold: spec.schema.threshold };
      accumulators.forEach((acc, i) => {
        for (const [window, cells] of acc.windows) {
          const values = out.get(window) ?? [];
          values.push(...segmentStatistics(cells, choices[i], options));
          out.set(window, values);
        }
      });
      return out;
    },
  };
}

/** The windows with their segment statistics added (windows that held no row get none). */
export function withSegmentValues(windows: WindowStatistics[], segments: ReadonlyMap<number, StatValue[]>): WindowStatistics[] {
  return windows.map((w) => {
    const extra = w.rows > 0 ? segments.get(w.window.start.getTime()) : undefined;
    return extra === undefined || extra.length === 0 ? w : { ...w, values: [...w.values, ...extra] };
  });
}
