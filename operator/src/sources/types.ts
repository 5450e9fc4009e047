/**
 * What every source yields: batches of parsed rows and the lines that could not be parsed.
 * Batches (a few hundred rows) rather than single rows keep the async overhead off the hot path;
 * `rows()` in index.ts gives a plain row iterator.
 */

/** One parsed row of an inference log. */
export interface Row {
  /** 1-based line (or row) number in its file. */
  line: number;
  /** Event time in ms since the epoch; NaN when the timestamp field is present but unreadable. */
  ts?: number;
  fields: Record<string, unknown>;
  /** The file or URL, when the source has several. */
  file?: string;
}

/** A line that could not be used, with where it was and why. */
export interface CorruptLine {
  line: number;
  reason: string;
  file?: string;
}

/**
 * Rows as columns (Parquet): column j of row r is data[j][r]. Consumers that can take columns
 * (the statistics) skip building one object per row.
 */
export interface ColumnarRows {
  names: string[];
  data: ArrayLike<unknown>[];
  length: number;
  /** Row number of the first row (1-based); rows follow one another unless `lines` is set. */
  firstLine: number;
  /** The line number of each row, when they do not follow one another (CSV). */
  lines?: number[];
  file?: string;
}

export interface RowBatch {
  /** The rows; when `columns` is set, built from them on first access. */
  rows: Row[];
  corrupt: CorruptLine[];
  columns?: ColumnarRows;
}

export type RowSource = AsyncIterable<RowBatch>;

export type FileFormat = 'jsonl' | 'csv' | 'parquet';
