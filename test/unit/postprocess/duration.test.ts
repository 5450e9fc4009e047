import assert from 'node:assert/strict';
import { durationFilter } from '../../../operator/src/postprocess/duration.js';
import { AlertigerError } from '../../../operator/src/errors.js';

describe('durationFilter', () => {
  const cases: Array<[string, number[], [number, number], number[]]> = [
    ['drops an isolated anomaly', [0, 0, 1, 0, 0], [3, 2], [0, 0, 0, 0, 0]],
    ['keeps two adjacent anomalies', [0, 1, 1, 0, 0], [3, 2], [0, 1, 1, 0, 0]],
    ['keeps two anomalies one point apart (same window of 3)', [1, 0, 1, 0, 0], [3, 2], [1, 0, 1, 0, 0]],
    ['drops anomalies two points apart', [1, 0, 0, 1, 0], [3, 2], [0, 0, 0, 0, 0]],
    ['keeps the newest point when the one before it is anomalous', [0, 0, 0, 1, 1], [3, 2], [0, 0, 0, 1, 1]],
    ['never keeps a normal point', [1, 0, 1], [3, 2], [1, 0, 1]],
    ['keeps every anomaly with min 1', [0, 1, 0, 0], [3, 1], [0, 1, 0, 0]],
    ['needs three in a row with window 3 min 3', [1, 1, 0, 1, 1, 1], [3, 3], [0, 0, 0, 1, 1, 1]],
    ['handles a series shorter than the window', [1, 1], [3, 2], [1, 1]],
  ];
  for (const [name, flags, [window, min], expected] of cases) {
    it(name, () => assert.deepEqual(Array.from(durationFilter(flags, { window, min })), expected));
  }

  it('rejects min above window', () => {
    assert.throws(() => durationFilter([1], { window: 2, min: 3 }), (e: unknown) => e instanceof AlertigerError && e.code === 'InvalidDuration');
  });
});
