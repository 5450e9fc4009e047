import assert from 'node:assert/strict';
import { parseSegmentSubject, segmentHeadline, segmentPhrase, segmentSubject } from '../../../operator/src/api/segments.js';
import type { Row, RowBatch } from '../../../operator/src/sources/types.js';
import {
  chooseSegments, MAX_SEGMENT_VALUES, OTHER_SEGMENT, SegmentAccumulator, segmentStatistics, segmentValue, type SegmentChoice,
} from '../../../operator/src/stats/segments.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 5);

function batch(rows: Array<{ day: number; origin?: unknown; score: number; label?: number }>): RowBatch {
  return {
    rows: rows.map((r, i): Row => ({ line: i + 1, ts: T0 + r.day * DAY + 3_600_000, fields: { origin: r.origin, score: r.score, label: r.label } })),
    corrupt: [],
  };
}

function accumulator(tracked?: string[]): SegmentAccumulator {
  return new SegmentAccumulator({
    column: 'origin', score: 'score', label: 'label', timestamp: 'ts', threshold: 0.5, granularity: '1d',
    from: T0, to: T0 + 10 * DAY, ...(tracked !== undefined ? { tracked: new Set(tracked) } : {}),
  });
}

describe('segments: naming', () => {
  it('round-trips a segment subject and leaves population subjects alone', () => {
    assert.equal(segmentSubject('score', 'origin=BOS'), 'score[origin=BOS]');
    assert.deepEqual(parseSegmentSubject('score[origin=BOS]'), { subject: 'score', segment: 'origin=BOS' });
    assert.deepEqual(parseSegmentSubject('score[origin=(other)]'), { subject: 'score', segment: 'origin=(other)' });
    for (const plain of ['score', 'a[0]', '[x=1]', 'label']) assert.equal(parseSegmentSubject(plain), undefined, plain);
  });

  it('says where an anomaly is: only, also, or grouped', () => {
    assert.equal(segmentPhrase({}), '');
    assert.equal(segmentPhrase({ segment: 'origin=BOS', confined: true }), ' in segment origin=BOS only');
    assert.equal(segmentPhrase({ segment: 'origin=BOS', segments: ['origin=BOS', 'origin=ORD'] }), ' in segment origin=BOS (also origin=ORD)');
    assert.equal(segmentPhrase({ segments: ['origin=BOS', 'origin=ORD'] }), ' in 2 segments: origin=BOS, origin=ORD');
    assert.equal(segmentHeadline({ subject: 'score[origin=BR]', statistic: 'mean', observed: 0.2, expected: 0.5, segment: 'origin=BR', confined: true }),
      'score mean dropped in segment origin=BR only');
  });

  it('takes strings, numbers and booleans as values; missing and over-long ones are pooled', () => {
    assert.equal(segmentValue('BOS'), 'BOS');
    assert.equal(segmentValue(7), '7');
    assert.equal(segmentValue(true), 'true');
    for (const missing of [undefined, null, '', NaN, { a: 1 }, 'x'.repeat(200)]) assert.equal(segmentValue(missing), undefined);
  });
});

describe('segments: SegmentAccumulator', () => {
  it('summarises each value per window and pools missing values', () => {
    const acc = accumulator();
    acc.addBatch(batch([
      { day: 0, origin: 'BOS', score: 0.2, label: 0 }, { day: 0, origin: 'BOS', score: 0.8, label: 1 },
      { day: 0, origin: 'ORD', score: 0.4 }, { day: 0, score: 0.9 }, { day: 1, origin: 'BOS', score: 0.6 },
    ]));
    acc.finish();
    assert.deepEqual([...acc.counts], [['BOS', 3], ['ORD', 1]]);
    assert.equal(acc.lastSeen.get('BOS'), T0 + DAY);
    const day0 = acc.windows.get(T0)!;
    assert.equal(day0.get('BOS')!.rows, 2);
    assert.equal(day0.get('BOS')!.score.values.count, 2);
    assert.equal(day0.get(OTHER_SEGMENT)!.rows, 1, 'the row without an origin');
    assert.equal(acc.windows.get(T0 + DAY)!.get('BOS')!.rows, 1);
  });

  it('skips rows outside the read, as the windowed statistics do', () => {
    const acc = accumulator();
    acc.addBatch(batch([{ day: -1, origin: 'BOS', score: 0.5 }, { day: 10, origin: 'BOS', score: 0.5 }, { day: 2, origin: 'BOS', score: 0.5 }]));
    acc.finish();
    assert.deepEqual([...acc.windows.keys()], [T0 + 2 * DAY]);
  });

  it(`summarises at most ${MAX_SEGMENT_VALUES} values on their own (tracked ones always), pooling later ones`, () => {
    const acc = accumulator(['late-but-tracked']);
    const rows = Array.from({ length: MAX_SEGMENT_VALUES + 50 }, (_, i) => ({ day: 0, origin: `v${i}`, score: 0.5 }));
    acc.addBatch(batch([...rows, { day: 0, origin: 'late-but-tracked', score: 0.5 }]));
    acc.finish();
    const cells = acc.windows.get(T0)!;
    assert.equal(cells.get(OTHER_SEGMENT)!.rows, 50);
    assert.ok(cells.has('late-but-tracked'));
    assert.equal(acc.counts.size, MAX_SEGMENT_VALUES + 1);
  });
});

describe('segments: chooseSegments (top-K, stable across runs)', () => {
  const counts = (entries: Record<string, number>): Map<string, number> => new Map(Object.entries(entries));
  const seen = (entries: Record<string, number>): Map<string, number> => new Map(Object.entries(entries));
  const options = { topK: 2, expireMs: 28 * DAY, now: T0 + 60 * DAY };

  it('picks the most frequent values on a first run, ties by name', () => {
    const choice = chooseSegments(undefined, 'origin', counts({ ORD: 5, BOS: 9, ATL: 5, DFW: 1 }), seen({ ORD: T0, BOS: T0, ATL: T0, DFW: T0 }), { ...options, now: T0 + DAY });
    assert.deepEqual(choice.values.map((v) => v.value), ['ATL', 'BOS']);
  });

  it('keeps a tracked value that is now less frequent, so its history does not break', () => {
    const previous: SegmentChoice = { column: 'origin', values: [{ value: 'ATL', lastSeen: T0 + 50 * DAY }, { value: 'BOS', lastSeen: T0 + 50 * DAY }] };
    const choice = chooseSegments(previous, 'origin', counts({ ORD: 500, ATL: 1 }), seen({ ORD: T0 + 59 * DAY, ATL: T0 + 59 * DAY }), options);
    assert.deepEqual(choice.values, [{ value: 'ATL', lastSeen: T0 + 59 * DAY }, { value: 'BOS', lastSeen: T0 + 50 * DAY }]);
  });

  it('replaces a value absent for longer than the detector history by the most frequent new one', () => {
    const previous: SegmentChoice = { column: 'origin', values: [{ value: 'ATL', lastSeen: T0 + 59 * DAY }, { value: 'BOS', lastSeen: T0 + 10 * DAY }] };
    const choice = chooseSegments(previous, 'origin', counts({ ORD: 500, DFW: 10, ATL: 3 }), seen({ ORD: T0 + 59 * DAY, DFW: T0 + 59 * DAY, ATL: T0 + 59 * DAY }), options);
    assert.deepEqual(choice.values.map((v) => v.value), ['ATL', 'ORD']);
  });

  it('never tracks more than topK, keeping the most recently seen when topK is lowered', () => {
    const previous: SegmentChoice = { column: 'origin', values: ['A', 'B', 'C'].map((value, i) => ({ value, lastSeen: T0 + (50 + i) * DAY })) };
    const choice = chooseSegments(previous, 'origin', counts({}), seen({}), options);
    assert.deepEqual(choice.values.map((v) => v.value), ['B', 'C']);
  });
});

describe('segments: segmentStatistics (pooling)', () => {
  it('gives each tracked value its statistics, traffic 0 when it had no row, and pools the rest in (other)', () => {
    const acc = accumulator();
    acc.addBatch(batch([
      ...Array.from({ length: 20 }, () => ({ day: 0, origin: 'BOS', score: 0.9, label: 1 })),
      ...Array.from({ length: 10 }, () => ({ day: 0, origin: 'ORD', score: 0.1, label: 0 })),
      ...Array.from({ length: 10 }, () => ({ day: 0, origin: 'SEA', score: 0.3, label: 0 })),
    ]));
    acc.finish();
    const choice: SegmentChoice = { column: 'origin', values: [{ value: 'BOS', lastSeen: T0 }, { value: 'JFK', lastSeen: T0 }] };
    const values = segmentStatistics(acc.windows.get(T0), choice, { scoreSubject: 'score', labelSubject: 'label', threshold: 0.5 });
    const get = (subject: string, statistic: string): number | undefined => values.find((v) => v.subject === subject && v.statistic === statistic)?.value;
    assert.equal(get('score[origin=BOS]', 'traffic'), 20);
    assert.equal(get('score[origin=BOS]', 'mean'), 0.9);
    assert.equal(get('label[origin=BOS]', 'label_coverage'), 1);
    assert.equal(get('score[origin=JFK]', 'traffic'), 0, 'a tracked value without rows is an observation: traffic 0');
    assert.equal(get('score[origin=JFK]', 'mean'), undefined);
    assert.equal(get('score[origin=(other)]', 'traffic'), 20, 'ORD and SEA pooled');
    assert.ok(Math.abs(get('score[origin=(other)]', 'mean')! - 0.2) < 1e-9);
    assert.ok(values.every((v) => !['min', 'max', 'p99', 'drift'].includes(v.statistic)), 'only the segment statistics');
  });
});
