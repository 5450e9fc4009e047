/**
 * Golden files under test/golden/: compare output with the stored file, or rewrite the file when
 * UPDATE_GOLDEN=1 (then review the diff in git before committing it). Shared by every test tier.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

import { packageRoot } from '../../operator/src/paths.js';

/** The repository root (the package root: tests run from the repository). */
export const repoRoot = packageRoot;

/** Compares text with its golden file. */
export function assertGoldenText(relativePath: string, actual: string): void {
  const file = join(repoRoot(), 'test', 'golden', relativePath);
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, actual);
    return;
  }
  assert.ok(existsSync(file), `golden file ${file} is missing; run with UPDATE_GOLDEN=1 to write it`);
  assert.equal(actual, readFileSync(file, 'utf8'), `output differs from ${file} (UPDATE_GOLDEN=1 rewrites it)`);
}

/** Compares a value's pretty-printed JSON with its golden file. */
export function assertGolden(relativePath: string, value: unknown): void {
  assertGoldenText(relativePath, JSON.stringify(value, null, 2) + '\n');
}
