import assert from 'node:assert/strict';
import { CsvParser, typeCell } from '../../../operator/src/sources/csv.js';
import type { CorruptLine, Row } from '../../../operator/src/sources/types.js';

function parse(lines: string[]): { rows: Row[]; corrupt: CorruptLine[]; tail: CorruptLine[] } {
  const p = new CsvParser({});
  const out = p.parse({ first: 1, lines });
  return { rows: out.rows, corrupt: out.corrupt, tail: p.end() };
}

describe('CsvParser', () => {
  it('reads quoted cells with commas, doubled quotes and line breaks, numbering rows by their first line', () => {
    const out = parse(['a,b,c', '1,"x, y",2', '3,"say ""hi""",4', '5,"two', 'lines",6']);
    assert.deepEqual(out.rows.map((r) => [r.line, r.fields]), [
      [2, { a: 1, b: 'x, y', c: 2 }],
      [3, { a: 3, b: 'say "hi"', c: 4 }],
      [4, { a: 5, b: 'two\nlines', c: 6 }],
    ]);
    assert.deepEqual(out.corrupt, []);
  });

  it('counts a row with another number of cells as corrupt and goes on', () => {
    const out = parse(['a,b', '1,2', '1,2,3', '4', '5,6']);
    assert.deepEqual(out.rows.map((r) => r.line), [2, 5]);
    assert.deepEqual(out.corrupt, [{ line: 3, reason: 'expected 2 columns, got 3' }, { line: 4, reason: 'expected 2 columns, got 1' }]);
  });

  it('reports a quote left open at the end of the file', () => {
    const out = parse(['a,b', '1,"never closed', 'more']);
    assert.deepEqual(out.rows, []);
    assert.deepEqual(out.tail, [{ line: 2, reason: 'unclosed quote runs to the end of the file' }]);
  });

  it('keeps the header across batches and names the file', () => {
    const p = new CsvParser({ file: 'x.csv', timestamp: 't' });
    p.parse({ first: 1, lines: ['t,v'] });
    const out = p.parse({ first: 2, lines: ['1700000000,7'] });
    assert.deepEqual(out.rows, [{ line: 2, fields: { t: 1700000000, v: 7 }, ts: 1700000000000, file: 'x.csv' }]);
    assert.deepEqual(out.columns?.data, [[1700000000], [7]]);
  });
});

describe('typeCell', () => {
  const cases: Array<[string, unknown]> = [
    ['', null], ['  ', null], ['NaN', null], ['null', null], ['N/A', null], ['None', null],
    ['42', 42], ['-1.5e3', -1500], [' 7 ', 7], ['.5', 0.5],
    ['inf', Infinity], ['-Infinity', -Infinity],
    ['NA', 'NA'], ['us', 'us'], ['-x', '-x'], ['12abc', '12abc'],
  ];
  for (const [cell, expected] of cases) {
    it(`types ${JSON.stringify(cell)} as ${String(expected)}`, () => assert.deepEqual(typeCell(cell), expected));
  }
});
