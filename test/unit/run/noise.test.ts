import assert from 'node:assert/strict';
import { featureStep, resolutions } from '../../../operator/src/run/noise.js';
import type { StatSeries } from '../../../operator/src/run/ports.js';
import { DAY } from './fakes.js';

const times = [0, DAY, 2 * DAY];
const s = (category: StatSeries['category'], subject: string, statistic: string, values: number[]): StatSeries => ({ category, subject, statistic, times, values });

describe('run/noise', () => {
  const history = [
    s('score', 'score', 'traffic', [10_000, 10_000, 10_000]),
    s('feature', 'hour', 'count', [10_000, 10_000, 10_000]),
    s('feature', 'hour', 'missing_rate', [0, 0, 0]),
    s('feature', 'hour', 'std', [6.9, 6.9, 6.9]),
    s('feature', 'hour', 'p25', [6, 6, 6]),
    s('feature', 'hour', 'p75', [18, 18, 18]),
    s('feature', 'hour', 'p99', [23, 23, 23]),
    s('feature', 'hour', 'min', [0, 0, 0]),
    s('feature', 'hour', 'max', [23, 23, 23]),
    s('feature', 'hour', 'mean', [11.5, 11.5, 11.5]),
    s('feature', 'hour', 'zero_rate', [0.004, 0.004, 0.004]),
    s('feature', 'amount', 'mean', [1_000_000, 1_000_000, 1_000_000]),
    s('feature', 'amount', 'std', [50_000, 50_000, 50_000]),
    s('feature', 'amount', 'count', [10_000, 10_000, 10_000]),
    s('feature', 'country', 'drift', [0.03, 0.03, 0.03]),
  ];
  const r = resolutions(history);
  const noise = (key: string): number => r.get(key)!.noise[0];

  it('gives a rate its binomial error over the window\'s rows, not an absolute 0.01', () => {
    assert.ok(Math.abs(noise('feature/hour/zero_rate') - Math.sqrt(0.004 * 0.996 / 10_000)) < 1e-9);
    assert.deepEqual(r.get('feature/hour/zero_rate')!.domain, { min: 0, max: 1 });
  });

  it('gives counts their Poisson error and a mean its standard error', () => {
    assert.equal(noise('score/score/traffic'), 100);
    assert.ok(Math.abs(noise('feature/amount/mean') - 500) < 1e-9, 'std / sqrt(n): a move of 1 in 1,000,000 is no news');
  });

  it('floors the quantiles and extremes of a discrete feature at half its step', () => {
    assert.ok(noise('feature/hour/p99') >= 0.5);
    assert.ok(noise('feature/hour/min') >= 0.5);
    assert.deepEqual(r.get('feature/hour/p99')!.domain, { min: 0 }, 'a feature never negative');
  });

  it('leaves out a tail quantile resting on fewer than MIN_TAIL_ROWS values beyond it', () => {
    const small = resolutions([s('feature', 'cost', 'count', [361, 2000, 361]), s('feature', 'cost', 'p99', [0, 5, 9]), s('feature', 'cost', 'p95', [0, 1, 2])]);
    assert.deepEqual([...small.get('feature/cost/p99')!.unreliable], [1, 0, 1], 'the p99 of 361 rows is their 4th largest value');
    assert.deepEqual([...small.get('feature/cost/p95')!.unreliable], [0, 0, 0]);
  });

  it('takes label_coverage as a share of all rows and the other label statistics over the labelled rows', () => {
    const labels = resolutions([
      s('score', 'score', 'traffic', [300, 300, 300]),
      s('label', 'label', 'label_coverage', [0.3, 0.3, 0.3]),
      s('label', 'label', 'positive_rate', [0.5, 0.5, 0.5]),
    ]);
    assert.ok(Math.abs(labels.get('label/label/label_coverage')!.noise[0] - Math.sqrt(0.3 * 0.7 / 300)) < 1e-12);
    assert.ok(Math.abs(labels.get('label/label/positive_rate')!.noise[0] - Math.sqrt(0.25 / 90)) < 1e-12);
  });

  it('leaves out the mean and std of a feature with fewer than MIN_TAIL_ROWS nonzero values', () => {
    const sparse = resolutions([
      s('feature', 'cost', 'count', [361, 361, 361]), s('feature', 'cost', 'zero_rate', [0.98, 0.9, 0.99]),
      s('feature', 'cost', 'mean', [500, 4000, 100]), s('feature', 'cost', 'std', [3000, 9000, 800]),
    ]);
    assert.deepEqual([...sparse.get('feature/cost/mean')!.unreliable], [1, 0, 1], '7 and 4 nonzero values of 361; 36 are enough');
    assert.deepEqual([...sparse.get('feature/cost/std')!.unreliable], [1, 0, 1]);
    assert.deepEqual([...sparse.get('feature/cost/mean')!.noise].map(Number.isNaN), [true, false, true], 'and their noise is unknown');
  });

  it('knows the sampling level of a drift distance', () => {
    assert.ok(noise('feature/country/drift') > 0.005 && noise('feature/country/drift') < 0.05);
  });

  const steps: Array<[string, Record<string, number[]>, number]> = [
    ['integers', { p1: [0, 1], p50: [11, 12], max: [23, 23] }, 1],
    ['a coarse grid', { p50: [5, 10], max: [20, 25] }, 5],
    ['an integer constant', { p50: [3, 3], max: [3, 3] }, 1],
    ['continuous values', { p50: [0.1234, 0.2345], max: [1.8765, 1.9] }, 0],
    ['a fractional constant', { p50: [0.5, 0.5] }, 0],
  ];
  for (const [name, stats, want] of steps) {
    it(`featureStep of ${name} is ${want}`, () => {
      const map = new Map(Object.entries(stats).map(([k, v]) => [k, new Map(v.map((x, i) => [i, x]))]));
      assert.equal(featureStep(map), want);
    });
  }
});
