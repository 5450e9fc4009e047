/**
 * A file source (spec.source.file): a local path, a local glob (files read one after another,
 * in name order) or an http(s) URL, in JSON Lines, CSV or Parquet; `.gz` JSON Lines and CSV
 * are gunzipped on the fly. Everything streams: memory holds one chunk (or one Parquet row
 * group), not the file.
 *
 * Problems found on opening are errors naming the file or URL: SourceNotFound (no such file,
 * no file matches the glob, HTTP 404), SourcePermissionDenied, SourceUnavailable (the URL cannot
 * be reached or answers 5xx, after retries), SourceInvalid (unknown format, not Parquet). A file
 * that fails while it is read (a truncated gzip, permissions) fails naming the file too.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { asyncBufferFromUrl, type AsyncBuffer } from 'hyparquet';
import { AlertigerError } from '../errors.js';
import { withRetry } from '../retry.js';
import { CsvParser } from './csv.js';
import { expandGlob } from './glob.js';
import { parseJsonLines, type ParseOptions } from './jsonl.js';
import { splitLines } from './lines.js';
import { fileAsyncBuffer, readParquet } from './parquet.js';
import type { FileFormat, RowBatch, RowSource } from './types.js';

export interface FileSourceSpec {
  path: string;
  format?: FileFormat;
}

export interface FileSourceOptions {
  /** Timestamp field, copied into Row.ts. */
  timestamp?: string;
  /** Retries of an unreachable URL (default 3) and the first backoff delay (default 500 ms). */
  retries?: number;
  retryDelayMs?: number;
  /** Called after each chunk of a local file with the bytes read so far (for a progress line). */
  onProgress?: (progress: ReadProgress) => void;
}

export interface ReadProgress {
  file: string;
  bytes: number;
}

const CHUNK = 1 << 20;

/** Resolves the inputs (so a missing file fails here) and returns the rows of all of them. */
export async function openFileSource(spec: FileSourceSpec, options: FileSourceOptions = {}): Promise<RowSource> {
  const format = spec.format ?? inferFormat(spec.path);
  if (isUrl(spec.path)) {
    const input = await openUrl(spec.path, format, options);
    return readInput(input, format, { timestamp: options.timestamp });
  }
  const paths = (await localFiles(spec.path)).map((f) => f.path);
  const many = paths.length > 1;
  return (async function* () {
    for (const p of paths) {
      const bytes = (): AsyncIterable<Uint8Array> => counted(fileBytes(p), p, options.onProgress);
      yield* readInput({ name: p, bytes, buffer: () => fileAsyncBuffer(p) }, format, { timestamp: options.timestamp, file: many ? p : undefined });
    }
  })();
}

/**
 * The files a local path or glob names, in name order, with their sizes: each must exist and be
 * a readable file (what a run and each shard of a sharded run read).
 */
export async function localFiles(path: string): Promise<Array<{ path: string; size: number }>> {
  let paths: string[];
  try {
    paths = await expandGlob(path);
  } catch (err) {
    throw new AlertigerError('SourceInvalid', err instanceof Error ? err.message : `bad path ${path}`, { cause: err });
  }
  if (paths.length === 0) throw new AlertigerError('SourceNotFound', `no file matches ${path}`);
  const files: Array<{ path: string; size: number }> = [];
  for (const p of paths) {
    const s = await stat(p).catch((err: NodeJS.ErrnoException) => err);
    if (s instanceof Error) throw readError(p, s);
    if (!s.isFile()) throw new AlertigerError('SourceNotFound', `inference log ${p} is not a file`);
    files.push({ path: p, size: s.size });
  }
  return files;
}

/** The format from the file name: .jsonl/.ndjson/.json, .csv, .parquet/.pq, each optionally .gz (not Parquet). */
export function inferFormat(path: string): FileFormat {
  const name = (isUrl(path) ? new URL(path).pathname : path).toLowerCase().replace(/\.gz$/, '');
  const ext = extname(name);
  if (ext === '.jsonl' || ext === '.ndjson' || ext === '.json') return 'jsonl';
  if (ext === '.csv') return 'csv';
  if (ext === '.parquet' || ext === '.pq') return 'parquet';
  throw new AlertigerError('SourceInvalid', `cannot tell the format of ${path} from its name; give the format (jsonl, csv or parquet)`);
}

interface Input {
  name: string;
  bytes: () => AsyncIterable<Uint8Array>;
  buffer: () => Promise<AsyncBuffer & { close?(): Promise<void> }>;
}

async function* readInput(input: Input, format: FileFormat, options: ParseOptions): AsyncGenerator<RowBatch> {
  if (format === 'parquet') {
    const buffer = await input.buffer();
    try {
      yield* readParquet(buffer, input.name, options);
    } finally {
      await buffer.close?.();
    }
    return;
  }
  yield* textRows(input.bytes(), format, options);
}

/**
 * The rows of a JSON Lines or CSV byte stream. `header`: a CSV header line read elsewhere, for
 * bytes that start past the file's first line (a shard's byte range).
 */
export async function* textRows(bytes: AsyncIterable<Uint8Array>, format: 'jsonl' | 'csv', options: ParseOptions, header?: string): AsyncGenerator<RowBatch> {
  if (format === 'csv') {
    const parser = new CsvParser(options);
    if (header !== undefined) parser.parse({ first: 0, lines: [header] });
    for await (const batch of splitLines(bytes)) yield parser.parse(batch);
    const tail = parser.end();
    if (tail.length > 0) yield { rows: [], corrupt: tail };
    return;
  }
  for await (const batch of splitLines(bytes)) yield parseJsonLines(batch, options);
}

async function* fileBytes(path: string): AsyncGenerator<Uint8Array> {
  const file = createReadStream(path, { highWaterMark: CHUNK });
  const gzip = path.toLowerCase().endsWith('.gz');
  const stream = gzip ? file.pipe(createGunzip({ chunkSize: CHUNK })) : file;
  // A pipe does not forward the file's errors to the gunzip stream.
  if (gzip) file.on('error', (err) => stream.destroy(err));
  try {
    yield* stream as AsyncIterable<Uint8Array>;
  } catch (err) {
    throw readError(path, err as NodeJS.ErrnoException);
  }
}

async function* counted(chunks: AsyncIterable<Uint8Array>, file: string, onProgress: FileSourceOptions['onProgress']): AsyncGenerator<Uint8Array> {
  if (onProgress === undefined) return yield* chunks;
  let bytes = 0;
  for await (const chunk of chunks) {
    bytes += chunk.length;
    onProgress({ file, bytes });
    yield chunk;
  }
}

/** What Node's file and zlib error codes mean, said once (the message then needs no cause text). */
const FS_REASONS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  ENOTDIR: 'a folder on its path is a file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'is a folder',
  Z_BUF_ERROR: 'the gzip data ends early (a truncated or still-growing file)',
  Z_DATA_ERROR: 'not valid gzip data',
};

/** An error reading a local inference log, naming the file, with a code that says what went wrong. */
function readError(path: string, err: NodeJS.ErrnoException): AlertigerError {
  const reason = err.code !== undefined ? FS_REASONS[err.code] : undefined;
  if (reason === undefined) return new AlertigerError('SourceInvalid', `inference log ${path} cannot be read`, { cause: err });
  const code = err.code === 'EACCES' || err.code === 'EPERM' ? 'SourcePermissionDenied'
    : err.code!.startsWith('Z_') ? 'SourceInvalid' : 'SourceNotFound';
  return new AlertigerError(code, `inference log ${path} cannot be read: ${reason}`);
}

export function isUrl(path: string): boolean {
  return /^https?:\/\//i.test(path);
}

class RetryableHttp extends Error {}

async function openUrl(url: string, format: FileFormat, options: FileSourceOptions): Promise<Input> {
  const retry = { retries: options.retries ?? 3, initialDelayMs: options.retryDelayMs ?? 500, retryable: (e: unknown) => e instanceof RetryableHttp };
  const response = await withRetry(async () => {
    let res: Response;
    try {
      res = await fetch(url, format === 'parquet' ? { method: 'HEAD' } : {});
    } catch (err) {
      throw new RetryableHttp(`cannot reach ${url}: ${causeText(err)}`, { cause: err });
    }
    if (res.status >= 500) {
      await res.body?.cancel();
      throw new RetryableHttp(`${url} answered HTTP ${res.status}`);
    }
    return res;
  }, retry).catch((err: unknown) => {
    throw new AlertigerError('SourceUnavailable', `inference log ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  });
  if (!response.ok) {
    await response.body?.cancel();
    const code = response.status === 404 || response.status === 410 ? 'SourceNotFound' : 'SourceUnavailable';
    throw new AlertigerError(code, `inference log ${url} answered HTTP ${response.status}`);
  }
  return {
    name: url,
    bytes: () => {
      if (response.body === null) return Readable.from([]);
      const body = Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>);
      return url.toLowerCase().split('?')[0].endsWith('.gz') ? body.pipe(createGunzip({ chunkSize: CHUNK })) : body;
    },
    buffer: () => {
      const length = Number(response.headers.get('content-length'));
      return asyncBufferFromUrl(Number.isFinite(length) && length > 0 ? { url, byteLength: length } : { url });
    },
  };
}

function causeText(err: unknown): string {
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  return code ?? (cause instanceof Error ? cause.message : String(cause));
}
