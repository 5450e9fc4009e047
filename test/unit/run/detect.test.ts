import assert from 'node:assert/strict';
import { detect, MAX_SEVERITY, MODEL_LEVEL_STATISTIC, type DetectOptions } from '../../../operator/src/run/detect.js';
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

  it('scores and opens label statistics at their own, earlier range when given one (late labels)', () => {
    // The label series shifted at N-7 and N-6 and is cut after N-5, the newest mature window.
    const shifted = series('label', 'label', 'label_coverage');
    const cut = N - 4;
    const label: StatSeries = { ...shifted, times: shifted.times.slice(0, cut), values: shifted.values.slice(0, cut).map((v, i) => v + (i >= N - 7 && i < N - 5 ? 50 : 0)) };
    const ranges = { label: { scoreFrom: (N - 7) * DAY, latestStart: (N - 5) * DAY } };
    const result = detect(bandDetector, [series('feature', 'a', 'mean'), label], { ...options, ranges });
    const points = result.points.filter((p) => p.category === 'label');
    assert.deepEqual(points.map((p) => [p.time / DAY, p.anomaly]), [[N - 7, true], [N - 6, true], [N - 5, false]]);
    assert.deepEqual(result.open, [], 'the shift ended before the newest mature window');
    const open = detect(bandDetector, [{ ...label, values: label.values.map((v, i) => v + (i === N - 5 ? 50 : 0)) }], { ...options, ranges }).open;
    assert.deepEqual(open.map((a) => [a.category, a.statistic, a.start]), [['label', 'label_coverage', new Date((N - 7) * DAY).toISOString()]]);
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
    // Issue 10: the per-feature points keep their own verdict (stored, and masked in later
    // windows); only the alert is merged, and it names the features that moved, ranked.
    assert.equal(result.points.filter((p) => p.subject === 'a' && p.anomaly).length, 2, 'members keep their own verdict');
    assert.deepEqual(model.members?.map((m) => [m.subject, m.statistic]).sort(), [['a', 'mean'], ['b', 'mean']]);
    assert.ok(model.members!.every((m, i, all) => i === 0 || all[i - 1].severity >= m.severity), 'most severe first');
    assert.ok(!result.open.some((a) => a.category === 'feature'), 'no per-feature alert besides the model-level one');
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
    assert.equal(result.open[0]?.severity, MAX_SEVERITY);
  });
});
