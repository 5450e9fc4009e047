import assert from 'node:assert/strict';
import { matureHistory, relabelWindows, scoringRanges } from '../../../operator/src/run/labels.js';
import type { StatSeries } from '../../../operator/src/run/ports.js';
import { HOUR_MS } from '../../../operator/src/api/granularity.js';
import { planWindows } from '../../../operator/src/run/windows.js';

const DAY = 86_400_000;
const t0 = Date.parse('2026-03-01T00:00:00Z');
const day = (n: number): number => t0 + n * DAY;
const iso = (ms: number): string => new Date(ms).toISOString();
const starts = (windows: { start: Date }[]): number[] => windows.map((w) => (w.start.getTime() - t0) / DAY);

function plan(lastWindowEnd: string | undefined, nowDay: number) {
  return planWindows({ granularity: '1d', now: new Date(day(nowDay) + 3_600_000), lastWindowEnd, backfillWindows: 31, maxCatchUpWindows: 10 });
}

describe('relabelWindows', () => {
  it('returns the labelDelay stored windows before lastWindowEnd when one new window closed', () => {
    const p = plan(iso(day(20)), 21);
    assert.deepEqual(starts(p.windows), [20]);
    assert.deepEqual(starts(relabelWindows(p, iso(day(20)), '1d', 3)), [17, 18, 19]);
  });

  it('leaves out the window a manual re-run recomputes anyway', () => {
    const p = plan(iso(day(21)), 21);
    assert.deepEqual(starts(p.windows), [20]);
    assert.deepEqual(starts(relabelWindows(p, iso(day(21)), '1d', 3)), [18, 19]);
  });

  it('still relabels the horizon when missed windows were skipped after it', () => {
    const p = plan(iso(day(20)), 40);
    assert.equal(p.skippedWindows, 10);
    assert.deepEqual(starts(relabelWindows(p, iso(day(20)), '1d', 2)), [18, 19]);
  });

  it('returns nothing on a first run or with a horizon of 0', () => {
    assert.deepEqual(relabelWindows(plan(undefined, 21), undefined, '1d', 7), []);
    assert.deepEqual(relabelWindows(plan(iso(day(20)), 21), iso(day(20)), '1d', 0), []);
  });

  it('counts hourly windows from the grid below an off-grid lastWindowEnd', () => {
    const last = day(5) + 90 * 60_000; // 01:30: off the hourly grid
    const p = planWindows({ granularity: '1h', now: new Date(day(5) + 3 * HOUR_MS + 60_000), lastWindowEnd: iso(last), backfillWindows: 10, maxCatchUpWindows: 10 });
    const windows = relabelWindows(p, iso(last), '1h', 2);
    assert.deepEqual(windows.map((w) => iso(w.start.getTime())), [iso(day(4) + 23 * HOUR_MS), iso(day(5))]);
    assert.equal(windows[1].end.getTime(), p.windows[0].start.getTime(), 'the horizon touches the plan: one source read');
  });
});

describe('scoringRanges', () => {
  it('scores features and scores up to the newest window and labels labelDelay windows earlier', () => {
    const r = scoringRanges({ latestEnd: day(30), granularity: '1d', scored: 3, labelDelay: 7 });
    assert.deepEqual(r.feature, { scoreFrom: day(27), latestStart: day(29) });
    assert.deepEqual(r.score, r.feature);
    assert.deepEqual(r.label, { scoreFrom: day(20), latestStart: day(22) });
  });

  it('scores labels with the others when the horizon is 0', () => {
    const r = scoringRanges({ latestEnd: day(30), granularity: '1d', scored: 3, labelDelay: 0 });
    assert.deepEqual(r.label, r.feature);
  });
});

describe('matureHistory', () => {
  const series = (category: StatSeries['category'], days: number[]): StatSeries => ({
    category, subject: 'x', statistic: category === 'label' ? 'label_coverage' : 'mean', times: days.map(day), values: days.map((d) => d * 10),
  });
  const ranges = scoringRanges({ latestEnd: day(10), granularity: '1d', scored: 3, labelDelay: 2 });

  it('cuts label series after the newest mature window and keeps the others whole', () => {
    const out = matureHistory([series('feature', [5, 6, 7, 8, 9]), series('label', [5, 6, 7, 8, 9])], ranges);
    assert.deepEqual(out[0].times, [5, 6, 7, 8, 9].map(day));
    assert.deepEqual(out[1].times, [5, 6, 7].map(day));
    assert.deepEqual(out[1].values, [50, 60, 70]);
  });

  it('keeps a label series whose points are all mature, and empties one that holds only immature points', () => {
    const out = matureHistory([series('label', [3, 5]), series('label', [8, 9])], ranges);
    assert.deepEqual(out[0].times, [3, 5].map(day));
    assert.deepEqual(out[1].times, []);
  });
});
