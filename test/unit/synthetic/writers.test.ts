import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SYNTHETIC_SCHEMA, generateInferenceLog, writeCsv, writeJsonl } from '../../../operator/src/synthetic/index.js';
import { csvCell } from '../../../operator/src/synthetic/writers.js';

describe('writers', () => {
  let dir: string;
  before(() => { dir = mkdtempSync(join(tmpdir(), 'alertiger-writers-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('writes one JSON object per line that reads back to the same rows', async () => {
    const rows = [...generateInferenceLog({ seed: 2, days: 2, rowsPerDay: 300 })];
    const path = join(dir, 'nested', 'log.jsonl');
    assert.equal(await writeJsonl(path, rows), rows.length);
    const back = readFileSync(path, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as unknown);
    assert.deepEqual(back, rows);
  });

  it('writes a CSV with the schema columns, empty cells for missing values and labels', async () => {
    const rows = [...generateInferenceLog({ seed: 2, days: 2, rowsPerDay: 300 })];
    const path = join(dir, 'log.csv');
    await writeCsv(path, rows, SYNTHETIC_SCHEMA.columns);
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    assert.equal(lines[0], 'ts,age,sessions_7d,click_rate,purchase_amount,tenure_days,country,device,channel,score,label');
    assert.equal(lines.length, rows.length + 1);
    const missingAmount = rows.findIndex((r) => r.purchase_amount === null);
    assert.equal(lines[missingAmount + 1].split(',')[4], '');
    const unlabelled = rows.findIndex((r) => r.label === undefined);
    assert.ok(lines[unlabelled + 1].endsWith(','));
  });

  it('quotes cells that hold commas, quotes or newlines', () => {
    assert.equal(csvCell('a,b'), '"a,b"');
    assert.equal(csvCell('say "hi"'), '"say ""hi"""');
    assert.equal(csvCell('two\nlines'), '"two\nlines"');
    assert.equal(csvCell(null), '');
    assert.equal(csvCell(Number.NaN), '');
    assert.equal(csvCell(1.5), '1.5');
  });
});
