import assert from 'node:assert/strict';
import { rollingZScoreFlags, weekdayMadFlags } from '../../../operator/src/detector/eval/baselines.js';
import { oracleFlags } from '../../../operator/src/detector/eval/evaluate.js';
import { eventCounts, eventScores } from '../../../operator/src/detector/eval/metrics.js';

const u8 = (s: string): Uint8Array => Uint8Array.from(s.split('').map(Number));

describe('eventCounts', () => {
  it('counts an incident caught inside it or up to two points after, and flag runs elsewhere as false alarms', () => {
    //             incidents at 2-3 and 9; flags: 5 (2 after the first: caught), 12-13 (run: 1 false alarm), 15
    const labels = u8('0011000001000000');
    const flags = u8('0000010000001101');
    const scored = u8('1111111111111111');
    assert.deepEqual(eventCounts(labels, flags, scored), { incidents: 2, caught: 1, falseAlarms: 2, cleanPoints: 9 });
  });

  it('leaves out incidents with no scored point', () => {
    const c = eventCounts(u8('1100000'), u8('0000000'), u8('0000011'));
    assert.equal(c.incidents, 0);
  });

  it('turns counts into precision, recall, F1 and false alarms per 1,000 clean points', () => {
    const s = eventScores({ incidents: 10, caught: 8, falseAlarms: 2, cleanPoints: 500 });
    assert.equal(s.precision, 0.8);
    assert.equal(s.recall, 0.8);
    assert.ok(Math.abs(s.f1 - 0.8) < 1e-12);
    assert.equal(s.falseAlarmRate, 4);
  });
});

describe('baselines', () => {
  it('flags a point more than 3 stds from the previous window (rolling z-score)', () => {
    const values = Float64Array.from([1, 2, 1, 2, 1, 2, 1, 2, 2.9, 10]);
    // window 8 of 1,2,...: mean 1.5, std 0.5 -> 2.9 is z = 2.8, 10 is far out
    assert.deepEqual(Array.from(rollingZScoreFlags(values, { window: 8 })), [0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
  });

  it('flags a point more than 4 scaled MADs from the same-weekday median', () => {
    const values = new Float64Array(29).fill(5);
    [0, 7, 14, 21].forEach((t, k) => (values[t] = [10, 11, 12, 13][k]));
    values[28] = 17; // same weekday values 10..13: median 11.5, MAD 1 -> 1.4826; 17 is 3.7 MADs away
    assert.equal(weekdayMadFlags(values)[28], 0);
    values[28] = 18; // 4.38 MADs
    assert.equal(weekdayMadFlags(values)[28], 1);
  });
});

describe('oracle reference', () => {
  it('flags the points further than k noise sds from their expected value', () => {
    const values = Float64Array.from([10, 13, 7, 25, NaN]);
    const truth = { expected: Float64Array.from([10, 10, 10, 20, 10]), noiseSd: Float64Array.from([1, 1, 1, 2, 1]) };
    // deviations in sds: 0, 3, 3, 2.5, missing
    assert.deepEqual(Array.from(oracleFlags(values, truth, 2.9)), [0, 1, 1, 0, 0]);
    assert.deepEqual(Array.from(oracleFlags(values, truth, 2)), [0, 1, 1, 1, 0]);
  });
});
