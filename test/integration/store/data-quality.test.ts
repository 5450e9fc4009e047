/**
 * The data-quality statistics (category `data`, subject `log`) through the real InfluxDB: written
 * with the window's other statistics, read back as series the detector scores, replaced when the
 * window is written again.
 */
import assert from 'node:assert/strict';
import { withDefaults } from '../../../operator/src/api/defaults.js';
import type { WindowStatistics } from '../../../operator/src/run/ports.js';
import { flatten } from '../../../operator/src/run/statistics.js';
import { StatsAccumulator } from '../../../operator/src/stats/accumulator.js';
import { windowResult } from '../../../operator/src/stats/result.js';
import { InfluxStatisticsStore } from '../../../operator/src/store/influx.js';
import { realServers } from '../../harness/index.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 10, 1);
const spec = withDefaults({ model: { name: 'm' }, source: { file: { path: '/log.jsonl' } }, granularity: '1d' });

/** A window computed from rows with `bad` invalid ages, a corrupt line and an Infinity. */
function computed(day: number, bad: number): WindowStatistics {
  const acc = new StatsAccumulator();
  acc.addCorrupt({ line: 1, reason: 'bad JSON' });
  for (let i = 0; i < 100; i++) acc.addFields({ age: i < bad ? 'unknown' : i === 50 ? Infinity : i, score: 0.4 }, i + 2);
  const result = windowResult(acc.finish(), { futureRows: day });
  return { window: { start: new Date(T0 + day * DAY), end: new Date(T0 + (day + 1) * DAY) }, rows: result.rows, values: flatten(result, spec), quality: result.quality };
}

describe('data-quality statistics in InfluxDB (real InfluxDB)', () => {
  let url: string;
  const database = `quality_${Date.now()}`;
  before(async () => {
    url = (await realServers()).influx.url;
  });

  it('writes the data/log statistics and per-feature invalid_rate and non_finite_rate, and reads them back as series', async () => {
    const store = new InfluxStatisticsStore({ namespace: 'ml', monitor: 'quality', modelVersion: 'v1' }, { url, database });
    await store.writeStatistics([computed(0, 2), computed(1, 5)]);
    const history = await store.readHistory(new Date(T0), new Date(T0 + 2 * DAY));
    const data = history.filter((s) => s.category === 'data');
    assert.deepEqual(data.map((s) => [s.subject, s.statistic, s.times, s.values]), [
      ['log', 'corrupt_lines', [T0, T0 + DAY], [1, 1]],
      ['log', 'corrupt_rate', [T0, T0 + DAY], [1 / 101, 1 / 101]],
      ['log', 'duplicate_rows', [T0, T0 + DAY], [0, 0]],
      ['log', 'future_rows', [T0, T0 + DAY], [0, 1]],
      ['log', 'invalid_values', [T0, T0 + DAY], [2, 5]],
      ['log', 'non_finite_values', [T0, T0 + DAY], [1, 1]],
    ]);
    const age = (statistic: string) => history.find((s) => s.category === 'feature' && s.subject === 'age' && s.statistic === statistic)?.values;
    assert.deepEqual(age('invalid_rate'), [0.02, 0.05]);
    assert.deepEqual(age('non_finite_rate'), [0.01, 0.01]);
    assert.ok(age('std')!.every((v) => Number.isFinite(v)));

    // A rewrite of the window replaces its data statistics too.
    await store.writeStatistics([computed(1, 0)]);
    const again = await store.readHistory(new Date(T0 + DAY), new Date(T0 + 2 * DAY));
    assert.deepEqual(again.find((s) => s.category === 'data' && s.statistic === 'invalid_values')?.values, [0]);
    // Only the data category, as the late labels rewrite only theirs.
    await store.writeStatistics([{ ...computed(1, 3), values: computed(1, 3).values.map((v) => (v.category === 'feature' ? { ...v, value: -1 } : v)) }], 'data');
    const partial = await store.readHistory(new Date(T0 + DAY), new Date(T0 + 2 * DAY));
    assert.deepEqual(partial.find((s) => s.category === 'data' && s.statistic === 'invalid_values')?.values, [3]);
    assert.deepEqual(partial.find((s) => s.subject === 'age' && s.statistic === 'invalid_rate')?.values, [0]);
  });
});
