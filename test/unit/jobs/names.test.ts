import assert from 'node:assert/strict';
import { childName, MAX_CRONJOB_NAME } from '../../../operator/src/jobs/names.js';

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

describe('childName', () => {
  it('appends -alertiger to a short name', () => {
    assert.equal(childName('feed-ranker'), 'feed-ranker-alertiger');
  });

  it('keeps a name that fits exactly', () => {
    const name = 'a'.repeat(MAX_CRONJOB_NAME - '-alertiger'.length);
    assert.equal(childName(name), `${name}-alertiger`);
    assert.equal(childName(name).length, MAX_CRONJOB_NAME);
  });

  it('shortens a long name with a hash so it fits the CronJob limit', () => {
    const name = 'x'.repeat(80);
    const child = childName(name);
    assert.equal(child.length, MAX_CRONJOB_NAME);
    assert.match(child, /^x{33}-[0-9a-f]{8}-alertiger$/);
  });

  it('gives different names to long names that share a prefix', () => {
    const prefix = 'recommendation-model-feature-store-v2-';
    assert.notEqual(childName(`${prefix}europe-west-1`), childName(`${prefix}europe-west-2`));
  });

  it('is the same for the same monitor every time', () => {
    assert.equal(childName('m'.repeat(100)), childName('m'.repeat(100)));
  });

  it('never leaves a dot or dash where the cut falls', () => {
    for (const name of [`${'a'.repeat(32)}.b${'c'.repeat(40)}`, `${'a'.repeat(32)}--${'c'.repeat(40)}`, `${'a'.repeat(31)}.-x${'c'.repeat(40)}`]) {
      const child = childName(name);
      assert.ok(child.length <= MAX_CRONJOB_NAME);
      assert.match(child, DNS_SUBDOMAIN, child);
    }
  });
});
