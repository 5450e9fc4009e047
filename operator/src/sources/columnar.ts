/**
 * Batches of rows held as columns (Parquet, CSV): the statistics take the columns directly, and
 * row objects are built only for a consumer that asks for them.
 */
import { parseTimestamp } from './timestamp.js';
import type { ColumnarRows, CorruptLine, Row, RowBatch } from './types.js';

/** A batch of columns whose rows are built on demand. */
export class ColumnarBatch implements RowBatch {
  private built: Row[] | undefined;

  constructor(readonly columns: ColumnarRows, private readonly timestamp?: string, readonly corrupt: CorruptLine[] = []) {}

  get rows(): Row[] {
    this.built ??= rowsOf(this.columns, this.timestamp);
    return this.built;
  }
}

export function rowsOf(c: ColumnarRows, timestamp?: string): Row[] {
  const rows: Row[] = new Array(c.length);
  for (let i = 0; i < c.length; i++) {
    const fields: Record<string, unknown> = {};
    for (let j = 0; j < c.names.length; j++) fields[c.names[j]] = c.data[j][i];
    const row: Row = { line: c.lines?.[i] ?? c.firstLine + i, fields };
    if (timestamp !== undefined) row.ts = parseTimestamp(fields[timestamp]);
    if (c.file !== undefined) row.file = c.file;
    rows[i] = row;
  }
  return rows;
}
