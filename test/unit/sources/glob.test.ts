import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expandGlob } from '../../../operator/src/sources/glob.js';

describe('expandGlob', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'alertiger-glob-'));
    for (const d of ['2026-01', '2026-02', 'other']) mkdirSync(join(dir, d));
    for (const f of ['2026-01/a1.jsonl', '2026-01/b2.jsonl', '2026-02/a3.jsonl', '2026-02/a33.jsonl', 'other/a4.jsonl', 'top.jsonl']) writeFileSync(join(dir, f), '');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const cases: Array<[string, string, string[]]> = [
    ['a star in the last segment', 'top*.jsonl', ['top.jsonl']],
    ['stars in two segments, sorted', '2026-*/a*.jsonl', ['2026-01/a1.jsonl', '2026-02/a3.jsonl', '2026-02/a33.jsonl']],
    ['a question mark for one character', '2026-0?/a?.jsonl', ['2026-01/a1.jsonl', '2026-02/a3.jsonl']],
    ['a class', '*/[ab][0-9].jsonl', ['2026-01/a1.jsonl', '2026-01/b2.jsonl', '2026-02/a3.jsonl', 'other/a4.jsonl']],
    ['a literal last segment under a star', '*/a4.jsonl', ['other/a4.jsonl']],
    ['nothing', '*/z*.jsonl', []],
  ];
  for (const [name, pattern, expected] of cases) {
    it(`expands ${name}`, async () => {
      assert.deepEqual(await expandGlob(join(dir, pattern)), expected.map((f) => join(dir, f)));
    });
  }

  it('returns a path without wildcards as it is, and refuses a bad class', async () => {
    assert.deepEqual(await expandGlob(join(dir, 'missing.jsonl')), [join(dir, 'missing.jsonl')]);
    await assert.rejects(expandGlob(join(dir, '[z-a].jsonl')), /not a valid glob/);
  });
});
