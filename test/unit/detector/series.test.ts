import assert from 'node:assert/strict';
import { inferGranularity, regularize } from '../../../operator/src/detector/series.js';
import { AlertigerError } from '../../../operator/src/errors.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2024, 0, 1);

describe('regularize', () => {
  it('sorts rows, keeps the later of duplicates and leaves gaps missing', () => {
    const r = regularize([T0 + 3 * DAY, T0, T0 + DAY, T0 + DAY], [4, 1, 2, 22], DAY);
    assert.equal(r.start, T0);
    assert.deepEqual(Array.from(r.values), [1, 22, NaN, 4]);
    assert.deepEqual(Array.from(r.source), [1, 3, -1, 0]);
    assert.equal(r.unordered, true);
    assert.equal(r.duplicates, 1);
    assert.equal(r.gaps, 1);
    assert.equal(r.offGrid, 0);
  });

  it('snaps timestamps near the grid and counts them', () => {
    const r = regularize([T0, T0 + DAY + 3_600_000 * 5], [1, 2], DAY);
    assert.deepEqual(Array.from(r.values), [1, 2]);
    assert.equal(r.offGrid, 1);
  });

  it('refuses a grid too large to be meant (seconds read as milliseconds)', () => {
    assert.throws(() => regularize([0, 1e13], [1, 2], 3_600_000), (e: unknown) => e instanceof AlertigerError && e.code === 'InvalidSeries');
  });
});

describe('inferGranularity', () => {
  it('recognises daily and hourly spacing, ignoring a few gaps', () => {
    assert.equal(inferGranularity([T0, T0 + DAY, T0 + 2 * DAY, T0 + 5 * DAY]), '1d');
    assert.equal(inferGranularity([T0, T0 + 3_600_000, T0 + 7_200_000]), '1h');
  });

  it('returns undefined for other spacings or a single point', () => {
    assert.equal(inferGranularity([T0, T0 + 300_000, T0 + 600_000]), undefined);
    assert.equal(inferGranularity([T0]), undefined);
  });
});
