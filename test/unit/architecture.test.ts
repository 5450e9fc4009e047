/**
 * The folder map of docs/architecture.md holds: the folders of operator/src depend on each other
 * in one direction only (no import cycle between folders), so each can be read and tested
 * after the ones it builds on.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { repoRoot } from './api/repo.js';

const src = join(repoRoot, 'operator', 'src');

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? tsFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** The folder of a file under operator/src ('.' for the top level). */
function folderOf(path: string): string {
  const parts = relative(src, path).split('/');
  return parts.length > 1 ? parts[0] : '.';
}

/** folder -> folder -> one import that makes the edge (file -> file). */
export function folderImports(files: readonly string[]): Map<string, Map<string, string>> {
  const edges = new Map<string, Map<string, string>>();
  for (const file of files) {
    for (const m of readFileSync(file, 'utf8').matchAll(/from '(\.{1,2}\/[^']+)'/g)) {
      const target = resolve(dirname(file), m[1].replace(/\.js$/, '.ts'));
      const [a, b] = [folderOf(file), folderOf(target)];
      if (a === b) continue;
      const out = edges.get(a) ?? new Map<string, string>();
      if (!out.has(b)) out.set(b, `${relative(src, file)} -> ${relative(src, target)}`);
      edges.set(a, out);
    }
  }
  return edges;
}

/** Every cycle of the folder graph, as a path of folders with the import behind each step. */
function cycles(edges: Map<string, Map<string, string>>): string[] {
  const found: string[] = [];
  const visit = (start: string, at: string, path: string[]): void => {
    for (const [next, why] of edges.get(at) ?? []) {
      if (next === start) found.push([...path, why].join(', '));
      else if (next > start && !path.some((p) => p.startsWith(`${next}/`)) && path.length < 8) visit(start, next, [...path, why]);
    }
  };
  for (const folder of edges.keys()) visit(folder, folder, []);
  return found;
}

describe('operator/src folders', () => {
  it('import each other without cycles', () => {
    assert.deepEqual(cycles(folderImports(tsFiles(src))), []);
  });

  it('the cycle finder finds a cycle', () => {
    const edges = new Map([['a', new Map([['b', 'a/x.ts -> b/y.ts']])], ['b', new Map([['a', 'b/y.ts -> a/z.ts']])]]);
    assert.equal(cycles(edges).length, 1);
  });
});
