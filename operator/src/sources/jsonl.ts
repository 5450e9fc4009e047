/**
 * JSON Lines: one object per line. A line that is not a JSON object is a corrupt line, counted
 * and reported with its number, never fatal; blank lines are skipped. Python's json module
 * writes NaN and Infinity as bare words, which JSON.parse refuses: such lines are re-read with
 * those words taken as numbers (NaN = a missing value), so a Python log does not come out as
 * all-corrupt.
 */
import { parseTimestamp } from './timestamp.js';
import type { LineBatch } from './lines.js';
import type { Row, RowBatch } from './types.js';

export interface ParseOptions {
  /** The timestamp field, copied into Row.ts. */
  timestamp?: string;
  /** Named on each row and corrupt line when the source has several files. */
  file?: string;
}

export function parseJsonLines(batch: LineBatch, options: ParseOptions): RowBatch {
  const out: RowBatch = { rows: [], corrupt: [] };
  const { timestamp, file } = options;
  for (let i = 0; i < batch.lines.length; i++) {
    const text = batch.lines[i];
    const line = batch.first + i;
    if (text.charCodeAt(0) !== 123 && isBlank(text)) continue;
    let fields: unknown;
    try {
      fields = JSON.parse(text);
    } catch (err) {
      const retried = parseWithNonFinite(text);
      if (retried === undefined) {
        out.corrupt.push(corruptLine(line, `bad JSON: ${(err as Error).message}`, file));
        continue;
      }
      fields = retried;
    }
    if (fields === null || typeof fields !== 'object' || Array.isArray(fields)) {
      out.corrupt.push(corruptLine(line, `not a JSON object: ${fields === null ? 'null' : Array.isArray(fields) ? 'an array' : typeof fields}`, file));
      continue;
    }
    const row: Row = { line, fields: fields as Record<string, unknown> };
    if (timestamp !== undefined) row.ts = parseTimestamp((fields as Record<string, unknown>)[timestamp]);
    if (file !== undefined) row.file = file;
    out.rows.push(row);
  }
  return out;
}

function corruptLine(line: number, reason: string, file: string | undefined): { line: number; reason: string; file?: string } {
  return file === undefined ? { line, reason } : { line, reason, file };
}

function isBlank(text: string): boolean {
  return text.trim().length === 0;
}

const NON_FINITE = /-?\b(?:NaN|Infinity)\b/;

/** JSON.parse after replacing bare NaN / Infinity / -Infinity outside strings; undefined if still bad. */
export function parseWithNonFinite(text: string): unknown {
  if (!NON_FINITE.test(text)) return undefined;
  let out = '';
  let inString = false;
  let last = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') {
      inString = true;
      continue;
    }
    const word = c === 'N' && text.startsWith('NaN', i) ? 'NaN'
      : c === 'I' && text.startsWith('Infinity', i) ? 'Infinity'
        : c === '-' && text.startsWith('-Infinity', i) ? '-Infinity' : undefined;
    if (word !== undefined) {
      out += text.slice(last, i) + (word === 'NaN' ? 'null' : word === 'Infinity' ? '1e999' : '-1e999');
      i += word.length - 1;
      last = i + 1;
    }
  }
  try {
    return JSON.parse(out + text.slice(last));
  } catch {
    return undefined;
  }
}
