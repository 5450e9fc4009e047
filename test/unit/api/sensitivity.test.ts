import assert from 'node:assert/strict';
import { AlertigerError } from '../../../operator/src/errors.js';
import { thresholdFor } from '../../../operator/src/api/sensitivity.js';

describe('thresholdFor', () => {
  const cases: Array<[string, Parameters<typeof thresholdFor>[0], number]> = [
    ['maps medium to the method default 0.2', 'medium', 0.2],
    ['maps low to a higher threshold', 'low', 0.5],
    ['maps high to a lower threshold', 'high', 0.08],
    ['defaults to medium', undefined, 0.2],
    ['takes a number as the threshold', 0.35, 0.35],
    ['takes a numeric string as the threshold', '0.35', 0.35],
  ];
  for (const [name, input, expected] of cases) it(name, () => assert.equal(thresholdFor(input), expected));

  for (const bad of [0, 1, 1.5, 'extreme', -0.1]) {
    it(`rejects ${JSON.stringify(bad)}`, () => {
      assert.throws(() => thresholdFor(bad), (e: unknown) => e instanceof AlertigerError && e.code === 'InvalidSensitivity');
    });
  }
});
