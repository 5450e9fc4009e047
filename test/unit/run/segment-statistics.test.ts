/**
 * The statistics port with spec.schema.segments (run/segment-statistics.ts) on a real log file:
 * segment values added per window, the top-K choice saved and kept by the next read; the same
 * log with no segments gives exactly the values it gave before.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withDefaults } from '../../../operator/src/api/defaults.js';
import type { ModelMonitorSpec } from '../../../operator/src/api/types.js';
import type { WindowStatistics } from '../../../operator/src/run/ports.js';
import { sourceStatistics } from '../../../operator/src/run/statistics.js';
import { openFileSource } from '../../../operator/src/sources/index.js';
import type { Reference } from '../../../operator/src/stats/reference.js';
import type { SegmentChoice } from '../../../operator/src/stats/segments.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 2, 1);
/** Rows a day per country: BR and US big, the rest small. */
const MIX: Record<string, number> = { BR: 50, US: 40, DE: 5, FR: 3, JP: 2 };

describe('sourceStatistics with segments', () => {
  let dir: string;
  let path: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'alertiger-segment-statistics-'));
    path = join(dir, 'log.jsonl');
    const lines: string[] = [];
    for (let day = 0; day < 3; day++) {
      let i = 0;
      for (const [country, n] of Object.entries(MIX)) {
        // JP disappears on day 2: a tracked value with no row has traffic 0.
        if (country === 'JP' && day === 2) continue;
        for (let k = 0; k < n; k++) lines.push(JSON.stringify({ ts: new Date(T0 + day * DAY + (i++) * 60_000).toISOString(), country, age: k, score: country === 'BR' ? 0.8 : 0.2, label: k % 2 }));
      }
    }
    writeFileSync(path, lines.join('\n') + '\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function read(schema: ModelMonitorSpec['schema'], days: number[], store: { choices?: SegmentChoice[] } = {}): Promise<WindowStatistics[]> {
    let reference: Reference | undefined;
    const port = sourceStatistics({
      spec: withDefaults({ model: { name: 'm' }, source: { file: { path } }, granularity: '1d', schema: { timestamp: 'ts', categorical: ['country'], ...schema } }),
      open: () => openFileSource({ path }, { timestamp: 'ts' }),
      references: {
        loadReference: async () => reference,
        saveReference: async (r) => void (reference = r),
        loadSegments: async () => store.choices,
        saveSegments: async (c) => void (store.choices = c),
      },
      now: () => new Date(T0 + 10 * DAY),
    });
    return port.windows(days.map((d) => ({ start: new Date(T0 + d * DAY), end: new Date(T0 + (d + 1) * DAY) })));
  }

  const value = (w: WindowStatistics, subject: string, statistic: string): number | undefined => w.values.find((v) => v.subject === subject && v.statistic === statistic)?.value;

  it('adds the score and label statistics of the top-K values and the pool, and remembers the choice', async () => {
    const store: { choices?: SegmentChoice[] } = {};
    const plain = await read({}, [0, 1]);
    const windows = await read({ segments: [{ column: 'country', topK: 2 }] }, [0, 1], store);
    assert.deepEqual(store.choices?.map((c) => [c.column, c.values.map((v) => v.value)]), [['country', ['BR', 'US']]]);
    for (const [i, w] of windows.entries()) {
      assert.deepEqual(w.values.filter((v) => !v.subject.includes('[')), plain[i].values, 'the population values are untouched');
      assert.equal(value(w, 'score[country=BR]', 'traffic'), 50);
      assert.ok(Math.abs(value(w, 'score[country=BR]', 'mean')! - 0.8) < 1e-9);
      assert.equal(value(w, 'score[country=US]', 'traffic'), 40);
      assert.equal(value(w, 'score[country=(other)]', 'traffic'), 10);
      assert.equal(value(w, 'label[country=BR]', 'label_coverage'), 1);
      assert.equal(value(w, 'score[country=DE]', 'traffic'), undefined, 'DE is pooled');
    }
  });

  it('keeps a remembered choice over a read where it would not be the top-K, and gives a vanished value traffic 0', async () => {
    const store: { choices?: SegmentChoice[] } = { choices: [{ column: 'country', values: [{ value: 'JP', lastSeen: T0 + DAY }, { value: 'BR', lastSeen: T0 + DAY }] }] };
    const [w] = await read({ segments: [{ column: 'country', topK: 2 }] }, [2], store);
    assert.deepEqual(store.choices?.[0].values.map((v) => v.value), ['BR', 'JP']);
    assert.equal(value(w, 'score[country=JP]', 'traffic'), 0);
    assert.equal(value(w, 'score[country=(other)]', 'traffic'), 48, 'US, DE and FR pooled');
  });
});
