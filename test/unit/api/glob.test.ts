import assert from 'node:assert/strict';
import { compileGlob, GLOB_PATTERN } from '../../../operator/src/api/glob.js';

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

  const verdicts: [string, boolean, RegExp?][] = [
    ['plain', true], ['*', true], ['a]b', true], ['x[a-c0-9_]', true], ['x[!a]', true], ['[-]', true], ['[-a]', true], ['[a-]', true],
    ['[\\^.]', true], ['[é]', true], ['[A-Z]', true], ['[0-0]', true],
    ['[', false, /unclosed "\[" at position 1/], ['/data/[x.jsonl', false, /unclosed/], ['[]', false, /empty/], ['[!]', false, /empty/],
    ['[z-a]', false, /range z-a/], ['[a-Z]', false, /range a-Z/], ['[0-a]', false, /range 0-a/], ['[+-/]', false, /range \+-\//],
    ['[*]', false, /must not hold/], ['[?]', false, /must not hold/], ['[[]', false, /must not hold/], ['[a!]', false, /must not hold/],
    ['[--]', false, /range/], ['[a-b-c]', false, /range/],
  ];
  for (const [glob, valid, error] of verdicts) {
    it(`${valid ? 'accepts' : 'refuses'} "${glob}" exactly as GLOB_PATTERN (the CRD's rule) does`, () => {
      const compiled = compileGlob(glob);
      assert.equal(compiled.ok, valid, compiled.ok ? '' : compiled.error);
      assert.equal(new RegExp(GLOB_PATTERN).test(glob), valid);
      if (!compiled.ok && error !== undefined) assert.match(compiled.error, error);
    });
  }
});
