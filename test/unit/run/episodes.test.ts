import assert from 'node:assert/strict';
import { openAnomaly, type ScoredPoint } from '../../../operator/src/run/episodes.js';

const DAY = 86_400_000;
const key = { category: 'feature' as const, subject: 'age', statistic: 'mean' };

/** Points on consecutive days from flags like "..x.xx" (x = flagged). */
function series(flags: string): ScoredPoint[] {
  return [...flags].map((f, i) => ({
    time: i * DAY, observed: 10 + i, baseline: 10, lower: 9, upper: 11, score: f === 'x' ? 0.9 : 0.01, severity: i / 2, anomaly: f === 'x',
  }));
}

describe('openAnomaly', () => {
  const cases: Array<[string, string, number | undefined]> = [
    ['is open from the first flagged point of a run ending now', '....xxx', 4],
    ['is absent when the newest point is normal', '...xxx.', undefined],
    ['bridges a gap the duration filter accepts', '..x.xx', 2],
    ['does not bridge a gap longer than allowed', 'x..xx', 3],
    ['starts at the newest point when it alone is flagged', '.....x', 5],
  ];
  for (const [name, flags, startDay] of cases) {
    it(`${name} (${flags})`, () => {
      const points = series(flags);
      const found = openAnomaly(key, points, points[points.length - 1].time, 1);
      assert.equal(found === undefined ? undefined : Date.parse(found.start) / DAY, startDay);
    });
  }

  it('is absent when the series has no point for the newest window', () => {
    const points = series('xxx');
    assert.equal(openAnomaly(key, points, points[2].time + DAY, 1), undefined);
  });

  it('reports the newest point as observed against its band', () => {
    const points = series('..xx');
    assert.deepEqual(openAnomaly(key, points, 3 * DAY, 1), {
      ...key, start: new Date(2 * DAY).toISOString(), severity: 1.5, score: 0.9, observed: 13, expected: 10, lower: 9, upper: 11,
    });
  });
});
