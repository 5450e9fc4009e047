import assert from 'node:assert/strict';
import { WindowedAccumulator, windowStartOf } from '../../../operator/src/stats/windowing.js';
import { windowResult } from '../../../operator/src/stats/result.js';
import type { Row } from '../../../operator/src/sources/types.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 2, 1);

function row(line: number, ts: number | undefined, x: number): Row {
  return ts === undefined ? { line, fields: { x } } : { line, ts, fields: { ts, x } };
}

describe('WindowedAccumulator', () => {
  it('aligns windows to UTC days and hours', () => {
    assert.equal(windowStartOf(T0 + 5 * 3_600_000 + 17, '1d'), T0);
    assert.equal(windowStartOf(T0 + 5 * 3_600_000 + 17, '1h'), T0 + 5 * 3_600_000);
    assert.throws(() => windowStartOf(0, '1w' as '1d'), /granularity must be 1d or 1h/);
  });

  it('splits rows into daily windows regardless of order and computes each window', () => {
    const acc = new WindowedAccumulator({ granularity: '1d' });
    acc.addBatch({ rows: [row(1, T0 + DAY + 10, 5), row(2, T0 + 1, 1), row(3, T0 + 2 * DAY + 1, 9), row(4, T0 + 100, 3)], corrupt: [] });
    const windows = acc.finish();
    assert.deepEqual(windows.map((w) => w.windowStart), [T0, T0 + DAY, T0 + 2 * DAY]);
    assert.deepEqual(windows.map((w) => windowResult(w.summary).features.x.mean), [2, 5, 9]);
    assert.equal(windowResult(windows[0].summary, { windowStart: windows[0].windowStart }).windowStart, '2026-03-01T00:00:00.000Z');
  });

  it('skips rows outside [from, to) and counts rows without a usable timestamp as corrupt', () => {
    const acc = new WindowedAccumulator({ granularity: '1h', from: T0, to: T0 + 3_600_000 });
    acc.addBatch({ rows: [row(1, T0 - 1, 1), row(2, T0 + 5, 2), row(3, undefined, 3), row(4, NaN, 4), row(5, T0 + 3_600_000, 5)], corrupt: [] });
    const [only, ...rest] = acc.finish();
    assert.equal(rest.length, 0);
    const result = windowResult(only.summary);
    assert.equal(result.rows, 1);
    assert.equal(acc.outside, 2);
    assert.deepEqual(result.corruptLines, [{ line: 3, reason: 'no timestamp' }, { line: 4, reason: 'unreadable timestamp' }]);
  });

  it('counts corrupt lines in the window of the rows around them', () => {
    const acc = new WindowedAccumulator({ granularity: '1d' });
    acc.addBatch({ rows: [], corrupt: [{ line: 1, reason: 'bad JSON' }] });
    acc.addBatch({ rows: [row(2, T0 + DAY + 1, 1)], corrupt: [{ line: 3, reason: 'bad JSON' }] });
    const [w] = acc.finish();
    assert.equal(w.windowStart, T0 + DAY);
    assert.equal(windowResult(w.summary).corrupt, 2);
  });
});
