import assert from 'node:assert/strict';
import { parseTimestamp } from '../../../operator/src/sources/timestamp.js';

describe('parseTimestamp', () => {
  const ms = Date.UTC(2026, 4, 6, 7, 8, 9);
  const cases: Array<[string, unknown, number | undefined]> = [
    ['epoch seconds', ms / 1000, ms],
    ['epoch milliseconds', ms, ms],
    ['epoch microseconds', ms * 1000, ms],
    ['epoch nanoseconds as bigint', BigInt(ms) * 1_000_000n, ms],
    ['a numeric string', String(ms / 1000), ms],
    ['ISO 8601', '2026-05-06T07:08:09Z', ms],
    ['a Date', new Date(ms), ms],
    ['null', null, undefined],
    ['an empty string', '', undefined],
  ];
  for (const [name, value, expected] of cases) {
    it(`reads ${name}`, () => assert.equal(parseTimestamp(value), expected));
  }
  it('gives NaN for a value that is present but unreadable', () => {
    assert.ok(Number.isNaN(parseTimestamp('yesterday')));
    assert.ok(Number.isNaN(parseTimestamp({})));
    assert.ok(Number.isNaN(parseTimestamp(Infinity)));
  });
});
