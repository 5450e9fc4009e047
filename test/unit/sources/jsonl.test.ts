import assert from 'node:assert/strict';
import { parseJsonLines, parseWithNonFinite } from '../../../operator/src/sources/jsonl.js';

describe('parseJsonLines', () => {
  it('parses objects, skips blank lines and reports each bad line with its number', () => {
    const batch = parseJsonLines({ first: 10, lines: ['{"a":1}', '', '   ', '{"a":', '42', 'null', '[1]', '{"a":2}'] }, {});
    assert.deepEqual(batch.rows.map((r) => [r.line, r.fields]), [[10, { a: 1 }], [17, { a: 2 }]]);
    assert.deepEqual(batch.corrupt.map((c) => c.line), [13, 14, 15, 16]);
    assert.match(batch.corrupt[0].reason, /^bad JSON: /);
    assert.deepEqual(batch.corrupt.slice(1).map((c) => c.reason), ['not a JSON object: number', 'not a JSON object: null', 'not a JSON object: an array']);
  });

  it("reads Python's bare NaN and Infinity (NaN as missing) but not inside strings", () => {
    const batch = parseJsonLines({ first: 1, lines: ['{"a": NaN, "b": Infinity, "c": -Infinity, "s": "NaN Infinity"}'] }, {});
    assert.deepEqual(batch.rows[0].fields, { a: null, b: Infinity, c: -Infinity, s: 'NaN Infinity' });
    assert.equal(parseWithNonFinite('{"s": "Infinity"'), undefined);
    assert.equal(parseWithNonFinite('{"a": 1'), undefined);
  });

  it('copies the timestamp field into ts and names the file when given', () => {
    const batch = parseJsonLines({ first: 1, lines: ['{"t":"2026-01-02T03:04:05Z"}', '{"t":"soon"}', '{}'] }, { timestamp: 't', file: 'f.jsonl' });
    assert.deepEqual(batch.rows.map((r) => r.ts), [Date.UTC(2026, 0, 2, 3, 4, 5), NaN, undefined]);
    assert.equal(batch.rows[0].file, 'f.jsonl');
  });
});
