import assert from 'node:assert/strict';
import { generateInferenceLog, type InferenceRow, type SyntheticLogOptions } from '../../../operator/src/synthetic/index.js';

const base: SyntheticLogOptions = { seed: 11, days: 14, rowsPerDay: 1000 };

function rows(options: SyntheticLogOptions): InferenceRow[] {
  return [...generateInferenceLog(options)];
}

function byDay(log: InferenceRow[]): Map<string, InferenceRow[]> {
  const days = new Map<string, InferenceRow[]>();
  for (const r of log) {
    const d = r.ts.slice(0, 10);
    days.set(d, [...(days.get(d) ?? []), r]);
  }
  return days;
}

describe('generateInferenceLog', () => {
  it('gives identical rows for the same seed and different rows for another seed', () => {
    const a = rows(base);
    assert.deepEqual(rows(base), a);
    const c = rows({ ...base, seed: 12 });
    assert.notDeepEqual(c.slice(0, 50), a.slice(0, 50));
  });

  it('emits rows in time order with every feature, a score in (0, 1) and the schema columns', () => {
    const log = rows({ ...base, days: 3 });
    for (let i = 1; i < log.length; i++) assert.ok(log[i - 1].ts <= log[i].ts, `row ${i} out of order`);
    for (const r of log.slice(0, 200)) {
      for (const f of ['age', 'sessions_7d', 'click_rate', 'purchase_amount', 'tenure_days', 'country', 'device', 'channel']) {
        assert.ok(f in r, `missing field ${f}`);
      }
      assert.ok(r.score > 0 && r.score < 1);
    }
    assert.equal(log[0].ts.slice(0, 10), '2026-01-05');
  });

  it('labels a sparse share of rows, fewer on the most recent days because labels arrive late', () => {
    const log = rows({ ...base, labelRate: 0.2, labelDelayDays: 2 });
    const coverage = (rs: InferenceRow[]): number => rs.filter((r) => r.label !== undefined).length / rs.length;
    const total = coverage(log);
    assert.ok(total > 0.1 && total < 0.3, `label coverage ${total}`);
    const days = [...byDay(log).values()];
    assert.ok(coverage(days[0]) > 0.16, `old day coverage ${coverage(days[0])}`);
    assert.ok(coverage(days[days.length - 1]) < 0.1, `last day coverage ${coverage(days[days.length - 1])}`);
    assert.equal(rows({ ...base, days: 2, labelRate: 0 }).filter((r) => r.label !== undefined).length, 0);
  });

  it('draws labels from the score so the score ranks positives above negatives', () => {
    const labelled = rows(base).filter((r) => r.label !== undefined);
    const mean = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;
    const pos = labelled.filter((r) => r.label === 1).map((r) => r.score);
    const neg = labelled.filter((r) => r.label === 0).map((r) => r.score);
    const positiveRate = pos.length / labelled.length;
    assert.ok(positiveRate > 0.05 && positiveRate < 0.3, `positive rate ${positiveRate}`);
    assert.ok(mean(pos) > mean(neg) + 0.05, `mean score of positives ${mean(pos)} vs negatives ${mean(neg)}`);
  });

  it('shapes traffic by weekday and by hour of day', () => {
    const counts = [...byDay(rows(base)).values()].map((d) => d.length);
    // 2026-01-05 is a Monday: indexes 5, 6, 12, 13 are weekend days.
    const weekend = [5, 6, 12, 13].map((i) => counts[i]);
    const weekdays = counts.filter((_, i) => ![5, 6, 12, 13].includes(i));
    assert.ok(Math.max(...weekend) < Math.min(...weekdays), `weekend ${weekend} vs weekdays ${weekdays}`);
    const hours = new Array<number>(24).fill(0);
    for (const r of rows({ ...base, days: 2 })) hours[new Date(r.ts).getUTCHours()]++;
    assert.ok(hours[15] > 2 * hours[3], `15:00 ${hours[15]} vs 03:00 ${hours[3]}`);
  });

  it('generates 60 days of 2,000 rows a day in a few seconds', () => {
    const t0 = performance.now();
    let n = 0;
    for (const _ of generateInferenceLog({ seed: 3, days: 60, rowsPerDay: 2000 })) n++;
    const seconds = (performance.now() - t0) / 1000;
    assert.ok(n > 110_000 && n < 130_000, `rows ${n}`);
    assert.ok(seconds < 5, `took ${seconds.toFixed(2)} s`);
  });

  it('refuses options out of range with a stable code', () => {
    assert.throws(() => rows({ ...base, days: 0 }), { code: 'InvalidOptions' });
    assert.throws(() => rows({ ...base, start: 'yesterday' }), { code: 'InvalidOptions' });
  });
});
