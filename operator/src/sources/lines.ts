/**
 * Splits a stream of bytes into lines without holding more than one chunk (and one partial
 * line) in memory. Each batch is a run of consecutive lines with the number of the first, so
 * corrupt lines can be reported by number. Accepts \n and \r\n endings.
 */
import { StringDecoder } from 'node:string_decoder';

export interface LineBatch {
  /** 1-based number of lines[0]. */
  first: number;
  lines: string[];
}

export async function* splitLines(chunks: AsyncIterable<Uint8Array | string>): AsyncGenerator<LineBatch> {
  const decoder = new StringDecoder('utf8');
  let carry = '';
  let next = 1;
  for await (const chunk of chunks) {
    const text = carry + (typeof chunk === 'string' ? chunk : decoder.write(chunk as Buffer));
    const lines: string[] = [];
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      lines.push(text.charCodeAt(nl - 1) === 13 && nl > start ? text.slice(start, nl - 1) : text.slice(start, nl));
      start = nl + 1;
    }
    carry = text.slice(start);
    if (lines.length > 0) {
      yield { first: next, lines };
      next += lines.length;
    }
  }
  const last = carry + decoder.end();
  if (last.length > 0) yield { first: next, lines: [last.endsWith('\r') ? last.slice(0, -1) : last] };
}
