import assert from 'node:assert/strict';
import { detect, MODEL_LEVEL_STATISTIC, type DetectOptions } from '../../../operator/src/run/detect.js';
import type { StatSeries } from '../../../operator/src/run/ports.js';
import { DAY, bandDetector, wobble } from './fakes.js';

const N = 40;
const times = Array.from({ length: N }, (_, i) => i * DAY);

/** A steady series whose last `jump` points are shifted by `by`. */
function series(category: StatSeries['category'], subject: string, statistic: string, jump = 0, by = 50): StatSeries {
  return { category, subject, statistic, times, values: times.map((t, i) => 10 + wobble(t) + (i >= N - jump ? by : 0)) };
}

const options: DetectOptions = {
  granularity: '1d',
  scoreFrom: (N - 3) * DAY,
  latestStart: (N - 1) * DAY,
  threshold: 0.2,
  filters: { minSeverity: 1, duration: { window: 3, min: 2 }, combine: 'And' },
  maxConcurrentFraction: 0.3,
  minTrafficRatio: 0.05,
  model: 'm',
};

describe('detect', () => {
  it('scores the recent points of every series and opens one anomaly per shifted statistic', () => {
    const history = [series('feature', 'a', 'mean', 2), series('feature', 'b', 'mean'), series('feature', 'c', 'mean'), series('feature', 'd', 'mean'), series('score', 'score', 'traffic')];
    const result = detect(bandDetector, history, options);
    assert.equal(result.scoredSeries, 5);
    assert.deepEqual(result.open.map((a) => [a.category, a.subject, a.statistic, a.start]), [['feature', 'a', 'mean', new Date((N - 2) * DAY).toISOString()]]);
    const a = result.points.filter((p) => p.subject === 'a');
    assert.deepEqual(a.map((p) => p.anomaly), [false, true, true]);
  });

  it('does not open an anomaly that lasted a single window (duration filter)', () => {
    const result = detect(bandDetector, [series('feature', 'a', 'mean', 1), series('feature', 'b', 'mean'), series('feature', 'c', 'mean'), series('feature', 'd', 'mean')], options);
    assert.deepEqual(result.open, []);
  });

  it('replaces the anomalies of many features shifting at once with one model-level anomaly', () => {
    const history = [series('feature', 'a', 'mean', 2), series('feature', 'b', 'mean', 2), series('feature', 'c', 'mean'), series('feature', 'd', 'mean'), series('score', 'score', 'mean', 2)];
    const result = detect(bandDetector, history, options);
    assert.deepEqual(result.open.map((a) => [a.category, a.subject, a.statistic]).sort(), [['model', 'm', MODEL_LEVEL_STATISTIC], ['score', 'score', 'mean']]);
    const model = result.open.find((a) => a.category === 'model')!;
    assert.equal(model.observed, 0.5);
    assert.equal(model.upper, 0.3);
    const point = result.points.find((p) => p.category === 'model' && p.time === (N - 1) * DAY);
    assert.deepEqual(point?.members, ['a', 'b']);
    assert.equal(result.points.filter((p) => p.subject === 'a' && p.anomaly).length, 0, 'members are not flagged one by one');
  });

  it('suppresses everything for a version with too small a share of its model traffic', () => {
    const result = detect(bandDetector, [series('feature', 'a', 'mean', 2), series('feature', 'b', 'mean'), series('feature', 'c', 'mean'), series('feature', 'd', 'mean')], { ...options, trafficShare: 0.01 });
    assert.deepEqual(result.open, []);
    assert.equal(result.points.filter((p) => p.anomaly).length, 0);
  });

  it('scores nothing when the history is too short, and says so', () => {
    const short: StatSeries = { category: 'feature', subject: 'a', statistic: 'mean', times: times.slice(0, 20), values: times.slice(0, 20).map(() => 1) };
    const result = detect(bandDetector, [short], options);
    assert.equal(result.scoredSeries, 0);
    assert.deepEqual(result.open, []);
  });

  it('keeps severity finite for a zero-width band', () => {
    const flat: StatSeries = { category: 'feature', subject: 'min', statistic: 'min', times, values: times.map((_, i) => (i >= N - 2 ? 27 : 18)) };
    const zeroBand = { score: (s: Parameters<typeof bandDetector.score>[0], o?: { threshold?: number }) => bandDetector.score(s, o).map((r) => ({ ...r, lower: r.baseline, upper: r.baseline, anomalous: r.anomalous.map(() => 1) })) };
    const result = detect(zeroBand, [flat], options);
    assert.equal(result.open[0]?.severity, 1000);
  });
});
