import assert from 'node:assert/strict';
import { splitLines, type LineBatch } from '../../../operator/src/sources/lines.js';

async function collect(chunks: Array<Uint8Array | string>): Promise<Array<[number, string]>> {
  const out: Array<[number, string]> = [];
  async function* source(): AsyncGenerator<Uint8Array | string> {
    yield* chunks;
  }
  for await (const b of splitLines(source()) as AsyncIterable<LineBatch>) b.lines.forEach((l, i) => out.push([b.first + i, l]));
  return out;
}

describe('splitLines', () => {
  it('numbers lines across chunks, strips CRLF and keeps a last line without newline', async () => {
    assert.deepEqual(await collect(['ab', 'c\r\nd', 'e\n\nf']), [[1, 'abc'], [2, 'de'], [3, ''], [4, 'f']]);
  });

  it('decodes a multi-byte character split between two chunks', async () => {
    const bytes = Buffer.from('é€\n😀x\n');
    const chunks = Array.from(bytes, (b) => Uint8Array.of(b));
    assert.deepEqual(await collect(chunks), [[1, 'é€'], [2, '😀x']]);
  });

  it('yields nothing for an empty stream', async () => {
    assert.deepEqual(await collect([]), []);
  });
});
