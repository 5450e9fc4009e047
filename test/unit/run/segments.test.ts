import assert from 'node:assert/strict';
import type { AnomalyStatus } from '../../../operator/src/api/types.js';
import type { SeriesInput } from '../../../operator/src/detector/series.js';
import type { DetectOptions, ScoringDetector } from '../../../operator/src/run/detect.js';
import type { DetectionPoint, StatSeries } from '../../../operator/src/run/ports.js';
import { detectBySegment, groupSegmentAnomalies, segmentKey } from '../../../operator/src/run/segments.js';
import { DAY, bandDetector, wobble } from './fakes.js';

const N = 40;
const times = Array.from({ length: N }, (_, i) => i * DAY);
const LATEST = (N - 1) * DAY;

function series(subject: string, statistic: string, level = 10, jump = 0, by = 50): StatSeries {
  return { category: 'score', subject, statistic, times, values: times.map((t, i) => level + wobble(t) + (i >= N - jump ? by : 0)) };
}

const options: DetectOptions = {
  granularity: '1d',
  scoreFrom: (N - 3) * DAY,
  latestStart: LATEST,
  threshold: 0.2,
  filters: { minSeverity: 1, duration: { window: 3, min: 2 }, combine: 'And' },
  maxConcurrentFraction: 0.3,
  minTrafficRatio: 0.05,
  model: 'm',
};

function anomaly(subject: string, statistic = 'mean', severity = 2): AnomalyStatus {
  return { category: 'score', subject, statistic, start: new Date(LATEST).toISOString(), severity, score: 0.9, observed: 0.3, expected: 0.6, lower: 0.5, upper: 0.7 };
}

function point(subject: string, anomalous: boolean, statistic = 'mean'): DetectionPoint {
  return { category: 'score', subject, statistic, time: LATEST, observed: 0.5, baseline: 0.5, lower: 0.4, upper: 0.6, score: 0.1, severity: 0, anomaly: anomalous };
}

const group = (anomalies: AnomalyStatus[], points: DetectionPoint[]): AnomalyStatus[] => groupSegmentAnomalies(anomalies, { points, latestStart: () => LATEST });

describe('detectBySegment', () => {
  it('is detect() itself when no series has a segment (a feature named like one included)', () => {
    const calls: number[] = [];
    const counting: ScoringDetector = { score: (inputs, o) => (calls.push(inputs.length), bandDetector.score(inputs, o)) };
    const feature: StatSeries = { ...series('tags[k=v]', 'mean'), category: 'feature' };
    const result = detectBySegment(counting, [series('score', 'mean', 10, 2), series('score', 'traffic', 1000), feature], options);
    assert.deepEqual(calls, [3]);
    assert.deepEqual(result.open.map((a) => [a.subject, a.statistic, a.segment]), [['score', 'mean', undefined]]);
  });

  it('scores each segment apart, on its own row count, and names its points and anomalies back', () => {
    const seen: Array<{ length: number; noise: number }> = [];
    const spy: ScoringDetector = {
      score: (inputs: readonly SeriesInput[], o) => {
        // The noise floor of the mean series (the first: sorted by statistic) at its last point.
        const mean = inputs[0];
        seen.push({ length: inputs.length, noise: mean.noise?.[mean.noise.length - 1] ?? NaN });
        return bandDetector.score(inputs, o);
      },
    };
    const std = (subject: string): StatSeries => ({ ...series(subject, 'std', 0), values: times.map(() => 1) });
    const history = [
      series('score', 'mean'), std('score'), series('score', 'traffic', 10_000),
      series('score[origin=BOS]', 'mean', 10, 2), std('score[origin=BOS]'), series('score[origin=BOS]', 'traffic', 100),
    ];
    const result = detectBySegment(spy, history, options);
    assert.equal(seen.length, 2, 'one pass for the population, one for the segment');
    // sd of a mean = std / sqrt(rows): the population's 10,000 rows, the segment's own 100 (not 10,000).
    assert.ok(Math.abs(seen[0].noise - 0.01) < 1e-3, `population noise ${seen[0].noise}`);
    assert.ok(Math.abs(seen[1].noise - 0.1) < 1e-2, `segment noise ${seen[1].noise}`);
    assert.equal(result.scoredSeries, 6);
    assert.deepEqual(result.open.map((a) => [a.subject, a.statistic, a.segment]), [['score[origin=BOS]', 'mean', 'origin=BOS']]);
    assert.ok(result.points.some((p) => p.subject === 'score[origin=BOS]' && p.statistic === 'traffic'));
    assert.ok(!result.points.some((p) => p.subject === 'score' && p.time === LATEST && p.anomaly));
  });

  it('asks openBefore about the segment series, not the population one', () => {
    const asked: string[] = [];
    detectBySegment(bandDetector, [series('score[origin=BOS]', 'mean')], { ...options, openBefore: (key) => (asked.push(key), false) });
    assert.deepEqual(asked, ['score/score[origin=BOS]/mean']);
    assert.equal(segmentKey('feature/a/b/mean', 'c=d'), 'feature/a/b[c=d]/mean');
  });
});

describe('groupSegmentAnomalies', () => {
  it('leaves anomalies without segments as they are', () => {
    const open = [anomaly('score'), anomaly('label', 'auc')];
    assert.deepEqual(group(open, []), open);
  });

  it('reports a statistic anomalous in one segment only as confined, folding the population anomaly into it', () => {
    const out = group([anomaly('score', 'mean', 1.2), anomaly('score[origin=BOS]', 'mean', 3)], [point('score[origin=ORD]', false), point('score[origin=(other)]', false)]);
    assert.equal(out.length, 1);
    assert.equal(out[0].subject, 'score[origin=BOS]');
    assert.equal(out[0].segment, 'origin=BOS');
    assert.equal(out[0].confined, true);
  });

  it('does not call it confined when no other segment was scored normal', () => {
    const out = group([anomaly('score[origin=BOS]')], [point('score[origin=ORD]', false, 'std')]);
    assert.deepEqual(out.map((a) => [a.subject, a.confined, a.segments]), [['score[origin=BOS]', undefined, ['origin=BOS']]]);
  });

  it('groups a statistic anomalous in several segments into the population anomaly, listing them by severity', () => {
    const out = group([anomaly('score', 'mean', 2), anomaly('score[origin=BOS]', 'mean', 2), anomaly('score[origin=ORD]', 'mean', 5), anomaly('score[origin=DFW]', 'mean', 3)], [point('score[origin=SEA]', false)]);
    assert.deepEqual(out.map((a) => [a.subject, a.segment, a.segments]), [['score', undefined, ['origin=ORD', 'origin=DFW', 'origin=BOS']]]);
  });

  it('keeps the most severe segment when several segments are anomalous and the population is not', () => {
    const out = group([anomaly('score[origin=BOS]', 'mean', 2), anomaly('score[origin=ORD]', 'mean', 5), anomaly('label', 'auc')], []);
    assert.deepEqual(out.map((a) => [a.subject, a.statistic, a.segments]), [['score[origin=ORD]', 'mean', ['origin=ORD', 'origin=BOS']], ['label', 'auc', undefined]]);
  });

  it('lists at most 20 grouped segments, the most severe', () => {
    const many = Array.from({ length: 30 }, (_, i) => anomaly(`score[origin=A${i}]`, 'mean', 1 + i));
    const [out] = group([anomaly('score'), ...many], []);
    assert.equal(out.segments?.length, 20);
    assert.equal(out.segments?.[0], 'origin=A29');
  });

  it('decides afresh for an anomaly carried over with an old grouping', () => {
    const carried = { ...anomaly('score[origin=BOS]'), segment: 'origin=BOS', confined: true };
    const out = group([carried, anomaly('score[origin=ORD]')], []);
    assert.equal(out.length, 1);
    assert.equal(out[0].confined, undefined);
  });
});
