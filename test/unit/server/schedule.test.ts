import assert from 'node:assert/strict';
import { longestGapSeconds, ScheduleGaps } from '../../../operator/src/server/schedule.js';

describe('longestGapSeconds', () => {
  const H = 3600;
  const D = 24 * H;
  const cases: Array<[string, number | undefined]> = [
    ['* * * * *', 60],
    ['5 * * * *', H],
    ['*/15 * * * *', 15 * 60],
    ['15 2 * * *', D],
    ['0 9,17 * * *', 16 * H],
    ['0 9 * * 1-5', 3 * D], // Friday 09:00 to Monday 09:00
    ['0 0 1 * *', 31 * D],
    ['0 0 29 2 *', (4 * 365 + 1) * D], // once in four years: the gap between two leap days
    ['@weekly', 7 * D],
    ['0 0 31 2 *', undefined], // never fires
    ['5-1 * * * *', undefined], // does not parse
  ];
  for (const [expr, seconds] of cases) {
    it(`is ${String(seconds)} s for "${expr}"`, () => {
      assert.equal(longestGapSeconds(expr), seconds);
    });
  }

  it('gives the same answers through the per-expression cache, undefined included', () => {
    const gaps = new ScheduleGaps();
    for (const expr of ['5 * * * *', '0 0 31 2 *', '5 * * * *', '0 0 31 2 *']) assert.equal(gaps.get(expr), longestGapSeconds(expr), expr);
  });
});
