/**
 * Reading one series from a CSV file: `timestamp,value[,label]`, with or without a header.
 * Pure (text in, arrays out); every error names file:line.
 *
 * - A header is recognised when the first row's first cell is not a timestamp; its columns are
 *   found by name (timestamp|time|ts|date, value, label), else the first three columns are used.
 * - Timestamps: ISO 8601 (a date or date-time without a zone is taken as UTC) or epoch numbers
 *   (below 1e11: seconds, else milliseconds).
 * - Values: a number; empty, NaN, null or NA mean missing. Anything else is an error.
 * - Labels: 1/0 or true/false (anomalous or not); empty means unlabelled.
 */
import { AlertigerError } from '../errors.js';
import { parseCsvLine } from '../sources/csv.js';
import { parseTimestampText as parseTimestamp } from '../sources/timestamp.js';
import { UNLABELLED } from './features.js';

export interface ParsedSeries {
  file: string;
  timestamps: Float64Array;
  values: Float64Array;
  /** Per row: 1, 0 or UNLABELLED; undefined when the file has no label column. */
  labels?: Uint8Array;
  /** The timestamp and value cells as written, per row (echoed in outputs). */
  timestampText: string[];
  valueText: string[];
  /** 1-based line number of each row. */
  lines: Int32Array;
}

const MISSING = new Set(['', 'nan', 'null', 'na', 'n/a', 'none']);
/** Epoch ms of a timestamp cell (ISO 8601, a zone-less date-time read as UTC, or epoch seconds/ms). */
export { parseTimestampText as parseTimestamp } from '../sources/timestamp.js';

/** The cells of a CSV line, quoted cells (with commas inside) read as one. */
function cells(line: string): string[] {
  return parseCsvLine(line).map((c) => c.trim());
}

function fail(file: string, line: number, message: string): never {
  throw new AlertigerError('InvalidCsv', `${file}:${line}: ${message}`);
}

export function parseSeriesCsv(text: string, file: string): ParsedSeries {
  const raw = text.split(/\r?\n/);
  let col = { ts: 0, value: 1, label: -1 };
  let headerSeen = false;
  let width = 0;
  const ts: number[] = [];
  const vs: number[] = [];
  const ls: number[] = [];
  const tText: string[] = [];
  const vText: string[] = [];
  const lines: number[] = [];
  raw.forEach((line, i) => {
    const lineNo = i + 1;
    if (line.trim() === '' || line.trimStart().startsWith('#')) return;
    const row = cells(line);
    if (!headerSeen) {
      headerSeen = true;
      width = row.length;
      if (parseTimestamp(row[0]) === undefined) {
        const names = row.map((c) => c.toLowerCase());
        const find = (options: string[]): number => names.findIndex((n) => options.includes(n));
        const tsCol = find(['timestamp', 'time', 'ts', 'date', 'datetime']);
        const valueCol = find(['value', 'y', 'observed']);
        col = {
          ts: tsCol === -1 ? 0 : tsCol,
          value: valueCol === -1 ? 1 : valueCol,
          label: find(['label', 'anomaly', 'is_anomaly']),
        };
        if (row.length < 2) fail(file, lineNo, 'expected at least two columns: timestamp,value');
        return;
      }
      if (row.length >= 3) col.label = 2;
    }
    if (row.length < Math.max(col.ts, col.value) + 1) fail(file, lineNo, `expected ${Math.max(width, 2)} columns, found ${row.length}`);
    const t = parseTimestamp(row[col.ts]);
    if (t === undefined) fail(file, lineNo, `"${row[col.ts]}" is not a timestamp (ISO 8601 or epoch seconds/milliseconds)`);
    const cell = row[col.value];
    let v: number;
    if (MISSING.has(cell.toLowerCase())) v = NaN;
    else {
      v = Number(cell);
      if (!Number.isFinite(v)) fail(file, lineNo, `value "${cell}" is not a number`);
    }
    if (col.label !== -1) {
      const l = (row[col.label] ?? '').toLowerCase();
      if (l === '') ls.push(UNLABELLED);
      else if (l === '1' || l === 'true') ls.push(1);
      else if (l === '0' || l === 'false') ls.push(0);
      else fail(file, lineNo, `label "${row[col.label]}" must be 1, 0, true, false or empty`);
    }
    ts.push(t);
    vs.push(v);
    tText.push(row[col.ts]);
    vText.push(cell);
    lines.push(lineNo);
  });
  return {
    file,
    timestamps: Float64Array.from(ts),
    values: Float64Array.from(vs),
    labels: col.label === -1 ? undefined : Uint8Array.from(ls),
    timestampText: tText,
    valueText: vText,
    lines: Int32Array.from(lines),
  };
}
