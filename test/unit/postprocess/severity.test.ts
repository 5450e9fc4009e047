import assert from 'node:assert/strict';
import { severities, severity } from '../../../operator/src/postprocess/severity.js';

describe('severity', () => {
  const cases: Array<[string, [number, number, number, number], number]> = [
    ['is the deviation in band widths above the baseline', [14, 10, 8, 12], 1],
    ['is the deviation in band widths below the baseline', [9, 10, 8, 12], 0.25],
    ['uses the absolute band width when bounds are swapped', [14, 10, 12, 8], 1],
    ['is zero on the baseline', [10, 10, 8, 12], 0],
    ['is infinite for any deviation from a zero-width band', [10.5, 10, 10, 10], Infinity],
    ['is zero on a zero-width band at the baseline', [10, 10, 10, 10], 0],
  ];
  for (const [name, [o, b, l, u], expected] of cases) {
    it(`${name}`, () => assert.equal(severity(o, b, l, u), expected));
  }

  it('maps severity over arrays of points', () => {
    const s = severities({ observed: [14, 9], baseline: [10, 10], lower: [8, 8], upper: [12, 12] });
    assert.deepEqual(Array.from(s), [1, 0.25]);
  });
});
