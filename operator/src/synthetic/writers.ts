/**
 * Writers of row logs to the file formats the sources read: JSON lines and CSV (RFC 4180
 * quoting, header first, a missing value as an empty cell). Rows are written in batches so a
 * log of a hundred thousand rows takes a fraction of a second.
 */
import { mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';

export type Row = Record<string, unknown>;

const BATCH_CHARS = 1 << 20;

/** Writes one JSON object per line; absent fields stay absent. Returns the number of rows. */
export async function writeJsonl(path: string, rows: Iterable<Row>): Promise<number> {
  return writeLines(path, rows, undefined, (row) => JSON.stringify(row));
}

/**
 * Writes a CSV with the given columns, or the union of the fields of the first row when none
 * are given (pass the columns when later rows may carry fields the first lacks, e.g. a label).
 */
export async function writeCsv(path: string, rows: Iterable<Row>, columns?: readonly string[]): Promise<number> {
  let cols = columns;
  return writeLines(path, rows, (first) => {
    cols ??= Object.keys(first);
    return cols.map(csvCell).join(',');
  }, (row) => (cols as readonly string[]).map((c) => csvCell(row[c])).join(','));
}

async function writeLines(
  path: string,
  rows: Iterable<Row>,
  header: ((first: Row) => string) | undefined,
  line: (row: Row) => string,
): Promise<number> {
  await mkdir(dirname(path), { recursive: true });
  const file = await open(path, 'w');
  let count = 0;
  try {
    let chunk: string[] = [];
    let size = 0;
    for (const row of rows) {
      if (count === 0 && header !== undefined) chunk.push(header(row));
      const text = line(row);
      chunk.push(text);
      size += text.length;
      count++;
      if (size >= BATCH_CHARS) {
        await file.write(chunk.join('\n') + '\n');
        chunk = [];
        size = 0;
      }
    }
    if (chunk.length > 0) await file.write(chunk.join('\n') + '\n');
  } finally {
    await file.close();
  }
  return count;
}

/** One CSV cell: empty for a missing value, quoted when it holds a comma, quote or newline. */
export function csvCell(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
