import assert from 'node:assert/strict';
import {
  acceptedChanges, carriedOver, continueEpisodes, maskHistory, openBefore, parseAcceptAnnotation, releveled, verdictsOf, withEpisodeStart,
} from '../../../operator/src/run/lifecycle.js';
import type { DetectionPoint, StatSeries } from '../../../operator/src/run/ports.js';
import { DAY } from './fakes.js';

const times = Array.from({ length: 10 }, (_, i) => i * DAY);
const series: StatSeries = { category: 'feature', subject: 'age', statistic: 'mean', times, values: [10, 10, 10, 10, 50, 50, 50, 50, 50, 50] };

function point(i: number, anomaly: boolean, baseline = 10): DetectionPoint {
  return { category: 'feature', subject: 'age', statistic: 'mean', time: i * DAY, observed: series.values[i], baseline, lower: baseline - 1, upper: baseline + 1, score: 0.9, severity: 20, anomaly };
}
const verdicts = verdictsOf([3, 4, 5, 6, 7].map((i) => point(i, i >= 4)));

describe('run/lifecycle', () => {
  it('replaces points judged anomalous by their baseline, except those this run rescores', () => {
    const { series: [masked], masked: n } = maskHistory([series], verdicts, { scoreFrom: () => 7 * DAY, accepted: new Map() });
    assert.deepEqual(masked.values, [10, 10, 10, 10, 10, 10, 10, 50, 50, 50]);
    assert.equal(n, 3);
    assert.deepEqual(series.values.slice(4, 7), [50, 50, 50], 'the input is not changed');
  });

  it('leaves out a point no run scored inside an open episode, but not one outside it', () => {
    const sparse = verdictsOf([2, 3, 5, 6].map((i) => point(i, i >= 3)));
    const { series: [masked] } = maskHistory([series], sparse, { scoreFrom: () => 9 * DAY, accepted: new Map() });
    // Day 4 has no verdict but lies between anomalous ones; days 0, 1 have none before any episode.
    assert.deepEqual(masked.values.slice(0, 8), [10, 10, 10, 10, NaN, 10, 10, NaN]);
  });

  it('moves the history before an accepted episode to its level instead of masking it', () => {
    const { series: [masked] } = maskHistory([series], verdicts, { scoreFrom: () => 8 * DAY, accepted: new Map([['feature/age/mean', 8 * DAY]]) });
    assert.deepEqual(masked.values, [50, 50, 50, 50, 50, 50, 50, 50, 50, 50]);
  });

  it('scales rather than shifts the history when the accepted change is a factor (a unit change)', () => {
    const unit: StatSeries = { ...series, values: [10, 12, 8, 10, 10_000, 12_000, 8_000, 10_000, 10_000, 10_000] };
    const stored = verdictsOf([4, 5, 6].map((i) => ({ ...point(i, true), observed: unit.values[i] })));
    assert.deepEqual(releveled(unit, stored.get('feature/age/mean')!, 8 * DAY).slice(0, 4), [10_000, 12_000, 8_000, 10_000]);
  });

  const cases: Array<[string, number[], number[], boolean, number[]]> = [
    ['keeps what the filters keep', [0, 1, 1, 0], [0, 1, 1, 0], false, [0, 1, 1, 0]],
    ['continues an open episode while outside the band', [0, 0, 0, 0], [1, 1, 0, 1], true, [1, 1, 0, 0]],
    ['does not start an episode on being outside alone', [0, 0, 0], [1, 1, 1], false, [0, 0, 0]],
    ['continues an episode the filters opened in this run', [1, 0, 0], [1, 1, 0], false, [1, 1, 0]],
  ];
  for (const [name, keep, outside, before, want] of cases) {
    it(`continueEpisodes ${name}`, () => assert.deepEqual([...continueEpisodes(keep, outside, before)], want));
  }

  it('reads the stored verdict of the point just before, ignoring verdicts before an acceptance', () => {
    assert.equal(openBefore(verdicts, 'feature/age/mean', 6 * DAY), true);
    assert.equal(openBefore(verdicts, 'feature/age/mean', 4 * DAY), false);
    assert.equal(openBefore(verdicts, 'feature/age/mean', 6 * DAY, 5.5 * DAY), false);
    assert.equal(openBefore(verdicts, 'feature/other/mean', 6 * DAY), false);
  });

  it('pushes an open anomaly\'s start back through the stored episode', () => {
    const a = { category: 'feature' as const, subject: 'age', statistic: 'mean', start: new Date(7 * DAY).toISOString() };
    assert.equal(withEpisodeStart(a, verdicts, DAY, 1).start, new Date(4 * DAY).toISOString());
  });

  it('reads an episode\'s start across windows with no point at all (quiet hours)', () => {
    const quiet = verdictsOf([1, 2, 6, 7].map((i) => point(i, true)));
    const a = { category: 'feature' as const, subject: 'age', statistic: 'mean', start: new Date(6 * DAY).toISOString() };
    assert.equal(withEpisodeStart(a, quiet, DAY, 1).start, new Date(1 * DAY).toISOString());
  });

  it('keeps an open anomaly whose series has no point in the newest window, for a while', () => {
    const open = { category: 'feature' as const, subject: 'age', statistic: 'mean', start: new Date(4 * DAY).toISOString(), severity: 3, score: 0.9, observed: 50, expected: 10, lower: 9, upper: 11 };
    const args = { previous: [open], open: [], scoredNow: new Set<string>(), verdicts, now: 8 * DAY, maxAgeMs: DAY };
    assert.deepEqual(carriedOver(args), [open], 'silent since day 7: no evidence that it ended');
    assert.deepEqual(carriedOver({ ...args, scoredNow: new Set(['feature/age/mean']) }), [], 'scored now and not open: it ended');
    assert.deepEqual(carriedOver({ ...args, now: 10 * DAY }), [], 'silent too long');
  });

  it('parses the accept annotation: keys, feature shorthand and *', () => {
    assert.deepEqual([...parseAcceptAnnotation(' feature/age/mean, income/p99 ').keys], ['feature/age/mean', 'feature/income/p99']);
    assert.equal(parseAcceptAnnotation('*').all, true);
    assert.equal(parseAcceptAnnotation(undefined).keys.size, 0);
  });

  it('records each accepted open anomaly once, with the features of an accepted model-level shift', () => {
    const now = new Date(9 * DAY);
    const open = [
      { category: 'feature' as const, subject: 'age', statistic: 'mean' },
      { category: 'model' as const, subject: 'm', statistic: 'anomalous_feature_share', members: [{ subject: 'x', statistic: 'drift', severity: 2, observed: 1, expected: 0 }] },
    ];
    const first = acceptedChanges({ annotation: '*', open, previous: [], now, oldest: new Date(0) });
    assert.deepEqual(first.map((a) => a.key), ['feature/age/mean', 'feature/x/drift']);
    const again = acceptedChanges({ annotation: '*', open, previous: first, now: new Date(10 * DAY), oldest: new Date(0) });
    assert.deepEqual(again, first, 'the first acceptance time is kept');
    assert.deepEqual(acceptedChanges({ annotation: undefined, open, previous: first, now, oldest: new Date(10 * DAY) }), [], 'forgotten once out of the history read');
  });
});
