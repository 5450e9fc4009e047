/** Reading inference logs: file (path, glob, URL) and InfluxDB sources, all yielding row batches. */
import type { Row, RowSource } from './types.js';

export type { CorruptLine, FileFormat, Row, RowBatch, RowSource } from './types.js';
export { openFileSource, inferFormat, type FileSourceSpec, type FileSourceOptions, type ReadProgress } from './file.js';
export { openInfluxSource, type InfluxSourceSpec, type InfluxReadOptions } from './influx.js';
export { parseTimestamp } from './timestamp.js';

/** The rows of a source one by one (corrupt lines are dropped: use the batches to count them). */
export async function* rows(source: RowSource): AsyncGenerator<Row> {
  for await (const batch of source) yield* batch.rows;
}

/**
 * The newest row time of a source not after `notAfter` (ms), and the rows dated later (a clock
 * gone wrong: counted, otherwise ignored), so one future-dated row cannot move a run's "now".
 * `newest` is undefined when no row has a usable time at or before notAfter.
 */
export async function newestRowTime(source: RowSource, notAfter: number): Promise<{ newest: number | undefined; future: number }> {
  let newest = -Infinity;
  let future = 0;
  for await (const batch of source) {
    for (const row of batch.rows) {
      const ts = row.ts;
      if (ts === undefined || !(ts === ts)) continue;
      if (ts > notAfter) future++;
      else if (ts > newest) newest = ts;
    }
  }
  return { newest: Number.isFinite(newest) ? newest : undefined, future };
}
