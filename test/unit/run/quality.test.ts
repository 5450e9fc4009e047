import assert from 'node:assert/strict';
import type { WindowStatistics } from '../../../operator/src/run/ports.js';
import { dataQualityCondition, formatDataQuality } from '../../../operator/src/run/quality.js';
import { emptyQualityReport, type DataQualityReport } from '../../../operator/src/stats/quality.js';

const DAY = 86_400_000;

function win(d: number, quality?: Partial<DataQualityReport>): WindowStatistics {
  const w: WindowStatistics = { window: { start: new Date(d * DAY), end: new Date((d + 1) * DAY) }, rows: quality?.rows ?? 100, values: [] };
  if (quality !== undefined) w.quality = { ...emptyQualityReport(), rows: 100, ...quality };
  return w;
}

describe('dataQualityCondition', () => {
  const cases: Array<{ name: string; windows: WindowStatistics[]; status: 'True' | 'False'; reason: string; message: string | RegExp }> = [
    { name: 'a clean read', windows: [win(0, {}), win(1, {})], status: 'True', reason: 'NoDataProblems', message: 'no data problems in 2 windows' },
    { name: 'one clean window', windows: [win(0, {})], status: 'True', reason: 'NoDataProblems', message: 'no data problems in 1 window' },
    { name: 'no quality reports', windows: [win(0)], status: 'True', reason: 'NoData', message: 'no data read' },
    {
      name: 'corrupt lines over two windows, the first named with its file',
      windows: [
        win(0, { corruptLines: 25, examples: [{ line: 17, reason: 'bad JSON', file: 'log.jsonl' }] }),
        win(1, { corruptLines: 15, examples: [{ line: 1017, reason: 'bad JSON', file: 'log.jsonl' }] }),
      ],
      status: 'False', reason: 'CorruptLines', message: '40 corrupt lines (first: log.jsonl:17 bad JSON)',
    },
    {
      name: 'a named column absent comes first',
      windows: [win(0, { corruptLines: 1, examples: [{ line: 3, reason: 'bad JSON' }] }), win(1, { missingColumns: [{ field: 'label', setting: 'schema.label' }] })],
      status: 'False', reason: 'NamedColumnMissing', message: "column 'label' named in schema.label is absent, 1 corrupt line (first: line 3 bad JSON)",
    },
    {
      name: 'invalid values with the worst conflicts',
      windows: [win(0, { invalidValues: 6, typeConflicts: [{ field: 'age', kind: 'numeric', invalid: 5, example: 'line 4: field "age": string "x" in a numeric feature' }, { field: 'score', kind: 'score', invalid: 1 }] })],
      status: 'False', reason: 'InvalidValues', message: '6 invalid values: 5 in numeric feature \'age\' (first: line 4: field "age": string "x" in a numeric feature), 1 in score \'score\'',
    },
    {
      name: 'non-finite values by field',
      windows: [win(0, { nonFiniteValues: 3, fields: { x: { invalid: 0, nonFinite: 2 }, y: { invalid: 0, nonFinite: 1 } } })],
      status: 'False', reason: 'NonFiniteValues', message: "3 infinite or out-of-range values (2 in 'x', 1 in 'y'; left out of the statistics)",
    },
    { name: 'future rows', windows: [win(0, {}), win(1, { futureRows: 812 })], status: 'False', reason: 'FutureRows', message: '812 rows dated after the run (ignored)' },
    { name: 'duplicates', windows: [win(0, { duplicateRows: 1 })], status: 'False', reason: 'DuplicateRows', message: '1 duplicate row' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = dataQualityCondition(c.windows);
      assert.equal(got.type, 'DataQuality');
      assert.equal(got.status, c.status);
      assert.equal(got.reason, c.reason);
      if (typeof c.message === 'string') assert.equal(got.message, c.message);
      else assert.match(got.message, c.message);
    });
  }

  it('keeps the message short', () => {
    const missing = Array.from({ length: 200 }, (_, i) => ({ field: `feature_${i}`, setting: 'schema.categorical' }));
    const got = dataQualityCondition([win(0, { missingColumns: missing })]);
    assert.ok(got.message.length <= 1000, String(got.message.length));
    assert.ok(got.message.endsWith('…'));
  });
});

describe('formatDataQuality', () => {
  const cases: Array<{ name: string; reports: Array<Partial<DataQualityReport>>; lines: string[] }> = [
    { name: 'nothing read', reports: [], lines: [] },
    { name: 'clean', reports: [{ rows: 40 }, { rows: 60 }], lines: ['data quality: no problems in 100 rows'] },
    {
      name: 'problems with the first examples',
      reports: [{ rows: 10, corruptLines: 2, examples: [{ line: 3, reason: 'bad JSON' }, { line: 9, reason: 'no timestamp', file: 'b.jsonl' }], invalidValues: 1, invalidExamples: [{ line: 5, reason: 'field "x": string "q" in a numeric feature' }], typeConflicts: [{ field: 'x', kind: 'numeric', invalid: 1 }] }],
      lines: [
        'data quality: 2 problems in 10 rows',
        '  2 corrupt lines (first: line 3 bad JSON)',
        "  1 invalid value: 1 in numeric feature 'x'",
        '  first:',
        '    line 3: bad JSON',
        '    b.jsonl:9: no timestamp',
        '    line 5: field "x": string "q" in a numeric feature',
      ],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(formatDataQuality(c.reports.map((r) => ({ ...emptyQualityReport(), ...r }))), c.lines);
    });
  }
});
