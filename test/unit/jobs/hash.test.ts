/**
 * The hash annotation's text is a contract with every live object: a change of stableStringify's
 * output would make each CronJob look out of date and be rewritten once on upgrade. The expected
 * text and hash below were printed by the earlier (map-and-join) implementation.
 */
import assert from 'node:assert/strict';
import { contentHash, stableStringify } from '../../../operator/src/jobs/hash.js';

describe('jobs/hash', () => {
  const value = { b: [1, undefined, { z: 'x"y', a: null, u: undefined }], a: { 'k\u00e9y': [[], {}], n: -0.5e-7 }, s: 'line\nnext' };

  it('sorts keys at every level, drops undefined members and writes undefined array items as null, as before', () => {
    assert.equal(stableStringify(value), '{"a":{"kéy":[[],{}],"n":-5e-8},"b":[1,null,{"a":null,"z":"x\\"y"}],"s":"line\\nnext"}');
    assert.equal(contentHash(value), '850aac17c2a4cdcf');
  });

  it('gives equal text for equal values built in another key order', () => {
    assert.equal(stableStringify({ x: 1, y: { b: 2, a: 1 } }), stableStringify({ y: { a: 1, b: 2 }, x: 1 }));
    assert.equal(stableStringify('plain'), '"plain"');
    assert.equal(stableStringify([]), '[]');
  });
});
