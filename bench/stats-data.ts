/**
 * The benchmark's inference log: N rows x 100 numeric features (several distributions, some
 * with missing values) + 5 categorical + score + a sparse label (10% of rows) + ts, written at
 * once as JSON lines, CSV and (optionally) Parquet from the same seeded values.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { fileWriter, ParquetWriter, schemaFromColumnData } from 'hyparquet-writer';
import { xorshift32 as createRng } from '../operator/src/random.js';

export const NUMERIC = 100;
const CATEGORIES: string[][] = [
  ['us', 'de', 'fr', 'in', 'br', 'jp', 'gb', 'ca', 'mx', 'es', 'it', 'kr', 'au', 'nl', 'se', 'pl', 'tr', 'id', 'ar', 'za'],
  ['ios', 'android', 'web'],
  Array.from({ length: 1000 }, (_, i) => `item_${i}`),
  ['free', 'basic', 'pro', 'enterprise'],
  Array.from({ length: 50 }, (_, i) => `campaign-${i}`),
];
const CHUNK = 20_000;

export interface DataFiles {
  jsonl: string;
  csv?: string;
  parquet?: string;
}

/** Writes the files; returns nothing but the time it took is not part of any measurement. */
export function writeBenchData(rows: number, files: DataFiles): void {
  const rng = createRng(42);
  const gauss = (): number => {
    const u = 1 - rng.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
  };
  const names = [...Array.from({ length: NUMERIC }, (_, f) => `f${f}`), 'country', 'device', 'item', 'plan', 'campaign', 'score', 'label'];
  const header = ['ts', ...names];
  const jsonl = openSync(files.jsonl, 'w');
  const csv = files.csv !== undefined ? openSync(files.csv, 'w') : undefined;
  if (csv !== undefined) writeSync(csv, header.join(',') + '\n');
  const parquet = files.parquet !== undefined ? new ParquetWriter({ writer: fileWriter(files.parquet), schema: parquetSchema(header) }) : undefined;
  const start = Date.UTC(2026, 0, 5);
  for (let base = 0; base < rows; base += CHUNK) {
    const n = Math.min(CHUNK, rows - base);
    const columns: unknown[][] = header.map(() => new Array(n));
    const jsonLines: string[] = [];
    const csvLines: string[] = [];
    for (let r = 0; r < n; r++) {
      const row: Record<string, unknown> = { ts: start + Math.floor(((base + r) / rows) * 86_400_000) };
      for (let f = 0; f < NUMERIC; f++) {
        const v = featureValue(f, gauss, rng.next);
        if (v !== undefined) row[`f${f}`] = v;
      }
      for (let c = 0; c < CATEGORIES.length; c++) {
        const cats = CATEGORIES[c];
        const idx = Math.floor(cats.length * Math.pow(rng.next(), 2));
        row[names[NUMERIC + c]] = cats[idx];
      }
      const score = 1 / (1 + Math.exp(-(gauss() * 1.5 - 1)));
      row.score = Math.round(score * 1e6) / 1e6;
      if (rng.next() < 0.1) row.label = rng.next() < score ? 1 : 0;
      jsonLines.push(JSON.stringify(row));
      for (let j = 0; j < header.length; j++) columns[j][r] = row[header[j]] ?? null;
      if (csv !== undefined) csvLines.push(header.map((h) => (row[h] === undefined || row[h] === null ? '' : String(row[h]))).join(','));
    }
    writeSync(jsonl, jsonLines.join('\n') + '\n');
    if (csv !== undefined) writeSync(csv, csvLines.join('\n') + '\n');
    if (parquet !== undefined) {
      void parquet.write({ columnData: header.map((name, j) => ({ name, data: columns[j], ...parquetType(name) })), rowGroupSize: CHUNK });
    }
  }
  closeSync(jsonl);
  if (csv !== undefined) closeSync(csv);
  if (parquet !== undefined) void parquet.finish();
}

/** Feature f: a mix of shapes, with missing values in every tenth feature. */
function featureValue(f: number, gauss: () => number, uniform: () => number): number | null | undefined {
  if (f % 10 === 9 && uniform() < 0.2) return f % 20 === 9 ? undefined : null;
  switch (f % 5) {
    case 0: return Math.round((50 + 10 * gauss() + f) * 1e4) / 1e4;
    case 1: return Math.round(Math.exp(1 + gauss()) * 1e4) / 1e4;
    case 2: return Math.floor(-Math.log(1 - uniform()) * 3);
    case 3: return Math.round(uniform() * 1e6) / 1e6;
    default: return uniform() < 0.3 ? 0 : Math.round(gauss() * 1e4) / 1e4;
  }
}

function parquetType(name: string): { type: 'DOUBLE' | 'STRING'; nullable: boolean } {
  if (name === 'ts') return { type: 'DOUBLE', nullable: false };
  if (CATEGORIES.some((_, c) => ['country', 'device', 'item', 'plan', 'campaign'][c] === name)) return { type: 'STRING', nullable: false };
  return { type: 'DOUBLE', nullable: true };
}

function parquetSchema(header: string[]): ReturnType<typeof schemaFromColumnData> {
  return schemaFromColumnData({ columnData: header.map((name) => ({ name, data: [], ...parquetType(name) })) });
}
