import assert from 'node:assert/strict';
import { withDefaults } from '../../../operator/src/api/defaults.js';
import { shareOpener } from '../../../operator/src/shard/source.js';
import type { RowBatch } from '../../../operator/src/sources/types.js';

const HOUR = 3_600_000;

describe('shareOpener on an InfluxDB source', () => {
  const spec = withDefaults({ model: { name: 'm' }, source: { influx: { database: 'models', measurement: 'log' } }, granularity: '1h' });

  it("opens the shard's slice of each window, one after another, and yields their rows", async () => {
    const opened: Array<[number, number]> = [];
    const open = shareOpener(spec, { index: 1, shards: 4 }, async (from, to) => {
      opened.push([from, to]);
      return (async function* (): AsyncGenerator<RowBatch> {
        yield { rows: [{ line: 1, ts: from, fields: { score: 0.5 } }], corrupt: [] };
      })();
    });
    const rows: number[] = [];
    for await (const batch of await open(0, 3 * HOUR)) rows.push(...batch.rows.map((r) => r.ts!));
    const q = HOUR / 4;
    assert.deepEqual(opened, [[q, 2 * q], [HOUR + q, HOUR + 2 * q], [2 * HOUR + q, 2 * HOUR + 2 * q]]);
    assert.deepEqual(rows, opened.map(([from]) => from));
  });
});
