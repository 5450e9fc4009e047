/** Reading inference logs: file (path, glob, URL) and InfluxDB sources, all yielding row batches. */
import type { Row, RowSource } from './types.js';

export type { CorruptLine, FileFormat, Row, RowBatch, RowSource } from './types.js';
export { openFileSource, inferFormat, type FileSourceSpec, type FileSourceOptions } from './file.js';
export { openInfluxSource, type InfluxSourceSpec, type InfluxReadOptions } from './influx.js';
export { parseTimestamp } from './timestamp.js';

/** The rows of a source one by one (corrupt lines are dropped: use the batches to count them). */
export async function* rows(source: RowSource): AsyncGenerator<Row> {
  for await (const batch of source) yield* batch.rows;
}
