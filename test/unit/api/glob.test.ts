import assert from 'node:assert/strict';
import { compileGlob } from '../../../operator/src/api/glob.js';

describe('compileGlob', () => {
  const cases: { glob: string; path?: boolean; matches: string[]; misses: string[] }[] = [
    { glob: 'debug_*', matches: ['debug_', 'debug_x', 'debug_a/b'], misses: ['xdebug_', 'debug'] },
    { glob: 'f?', matches: ['f1', 'fa'], misses: ['f', 'f12'] },
    { glob: 'x[abc]', matches: ['xa', 'xc'], misses: ['xd', 'x'] },
    { glob: 'x[!a-c]', matches: ['xd', 'xz'], misses: ['xa', 'xb'] },
    { glob: 'a.b+(c)', matches: ['a.b+(c)'], misses: ['axb+(c)', 'a.bb(c)'] },
    { glob: '/data/*.jsonl', path: true, matches: ['/data/a.jsonl'], misses: ['/data/x/a.jsonl', '/data/a.csv'] },
  ];
  for (const c of cases) {
    it(`matches "${c.glob}" against ${c.matches.join(', ')} and not ${c.misses.join(', ')}`, () => {
      const compiled = compileGlob(c.glob, c.path ?? false);
      assert.ok(compiled.ok);
      for (const m of c.matches) assert.ok(compiled.regex.test(m), m);
      for (const m of c.misses) assert.ok(!compiled.regex.test(m), m);
    });
  }

  it('refuses an unclosed class and a backwards range', () => {
    assert.equal(compileGlob('a[bc').ok, false);
    assert.equal(compileGlob('[z-a]').ok, false);
  });
});
