/**
 * CSV with a header row (RFC 4180: fields in double quotes may hold commas, doubled quotes and
 * line breaks). A record with another number of cells than the header is a corrupt line. Cells
 * are typed the way analysts expect: empty, null/NULL/None, N/A, n/a, <NA>, #N/A and NaN/nan
 * are missing, a number is a number, inf/Infinity (signed) is infinite, anything else a string
 * (so "NA", a country code, stays a string).
 */
import { ColumnarBatch } from './columnar.js';
import type { LineBatch } from './lines.js';
import type { CorruptLine, RowBatch } from './types.js';
import type { ParseOptions } from './jsonl.js';

interface Pending {
  cells: string[];
  cell: string;
  line: number;
}

/** A batch being built: typed cells column by column, and the line of each record. */
interface Building {
  columns: unknown[][];
  lines: number[];
  corrupt: CorruptLine[];
}

/**
 * Stateful: holds the header and a record left open across batches by a quoted line break.
 * Batches come out as columns (see columnar.ts): no object per row unless a consumer asks.
 */
export class CsvParser {
  private header: string[] | undefined;
  private pending: Pending | undefined;

  constructor(private readonly options: ParseOptions) {}

  parse(batch: LineBatch): RowBatch {
    const out: Building = { columns: (this.header ?? []).map(() => []), lines: [], corrupt: [] };
    for (let i = 0; i < batch.lines.length; i++) {
      const text = batch.lines[i];
      const line = batch.first + i;
      let cells: string[];
      let first = line;
      if (this.pending !== undefined) {
        const p = this.pending;
        p.cell += '\n';
        if (!scan(text, p, true)) continue;
        this.pending = undefined;
        cells = p.cells;
        first = p.line;
      } else if (text.length === 0) {
        continue;
      } else if (text.indexOf('"') < 0) {
        cells = text.split(',');
      } else {
        const p: Pending = { cells: [], cell: '', line };
        if (!scan(text, p, false)) {
          this.pending = p;
          continue;
        }
        cells = p.cells;
      }
      this.record(cells, first, out);
    }
    const names = this.header ?? [];
    const length = out.lines.length;
    return new ColumnarBatch({ names, data: out.columns, length, firstLine: out.lines[0] ?? batch.first, lines: out.lines, file: this.options.file }, this.options.timestamp, out.corrupt);
  }

  /** Call at the end of the stream: an unclosed quote is a corrupt line. */
  end(): CorruptLine[] {
    if (this.pending === undefined) return [];
    const c = this.corruptLine(this.pending.line, 'unclosed quote runs to the end of the file');
    this.pending = undefined;
    return [c];
  }

  private record(cells: string[], line: number, out: Building): void {
    const header = this.header;
    if (header === undefined) {
      this.header = cells.map((c) => c.trim());
      out.columns = this.header.map(() => []);
      return;
    }
    if (cells.length !== header.length) {
      out.corrupt.push(this.corruptLine(line, `expected ${header.length} columns, got ${cells.length}`));
      return;
    }
    for (let j = 0; j < cells.length; j++) out.columns[j].push(typeCell(cells[j]));
    out.lines.push(line);
  }

  private corruptLine(line: number, reason: string): CorruptLine {
    return this.options.file === undefined ? { line, reason } : { line, reason, file: this.options.file };
  }
}

/**
 * The cells of one CSV line (RFC 4180 quoting: a quoted cell may hold commas and doubled quotes),
 * untrimmed. For line-oriented readers whose records never span lines: an unclosed quote makes
 * the rest of the line the last cell.
 */
export function parseCsvLine(text: string): string[] {
  if (text.indexOf('"') < 0) return text.split(',');
  const p: Pending = { cells: [], cell: '', line: 0 };
  if (!scan(text, p, false)) p.cells.push(p.cell);
  return p.cells;
}

/**
 * Scans one physical line into p; `inQuotes` when the line continues a quoted cell. Returns
 * true when the record is complete (the line did not end inside quotes).
 */
function scan(text: string, p: Pending, inQuotes: boolean): boolean {
  let quoted = inQuotes;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (quoted) {
      if (c !== 34) continue;
      p.cell += text.slice(start, i);
      if (text.charCodeAt(i + 1) === 34) {
        p.cell += '"';
        i++;
        start = i + 1;
      } else {
        quoted = false;
        start = i + 1;
      }
    } else if (c === 44) {
      p.cells.push(p.cell + text.slice(start, i));
      p.cell = '';
      start = i + 1;
    } else if (c === 34) {
      p.cell += text.slice(start, i);
      quoted = true;
      start = i + 1;
    }
  }
  p.cell += text.slice(start);
  if (quoted) return false;
  p.cells.push(p.cell);
  p.cell = '';
  return true;
}

const MISSING_CELLS = new Set(['NaN', 'nan', 'NAN', 'null', 'NULL', 'None', 'N/A', 'n/a', '<NA>', '#N/A']);
const INFINITE_CELLS = new Map<string, number>([
  ['inf', Infinity], ['Inf', Infinity], ['INF', Infinity], ['Infinity', Infinity], ['+inf', Infinity], ['+Infinity', Infinity],
  ['-inf', -Infinity], ['-Inf', -Infinity], ['-INF', -Infinity], ['-Infinity', -Infinity],
]);

/** Types one cell (see the module comment). */
export function typeCell(cell: string): unknown {
  if (cell.length === 0) return null;
  const c0 = cell.charCodeAt(0);
  const t = c0 === 32 || cell.charCodeAt(cell.length - 1) === 32 ? cell.trim() : cell;
  if (t.length === 0) return null;
  const c = t.charCodeAt(0);
  if ((c >= 48 && c <= 57) || c === 45 || c === 43 || c === 46) {
    const n = Number(t);
    if (n === n) return n;
  }
  if (MISSING_CELLS.has(t)) return null;
  return INFINITE_CELLS.get(t) ?? cell;
}
