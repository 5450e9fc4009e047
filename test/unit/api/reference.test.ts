import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { renderReference } from '../../../operator/src/api/reference.js';
import { packageRoot } from '../../../operator/src/paths.js';

const root = packageRoot();
const crd = yaml.load(readFileSync(join(root, 'crds/modelmonitors.alertiger.io.yaml'), 'utf8')) as Parameters<typeof renderReference>[0];

describe('api/reference', () => {
  it('keeps docs/modelmonitor-reference.md equal to what the CRD generates (run `npm run docs`)', () => {
    const onDisk = readFileSync(join(root, 'docs/modelmonitor-reference.md'), 'utf8');
    assert.equal(onDisk, renderReference(crd));
  });

  it('lists every required spec field with its constraints', () => {
    const text = renderReference(crd);
    assert.match(text, /\| `spec\.model\.name` \| string \| yes \|/);
    assert.match(text, /\| `spec\.granularity` \| string \| {2}\| one of `1d`, `1h`; default `"1d"`/);
    assert.match(text, /`spec\.schedule` .*schedule must be a cron expression of 5 fields/);
    assert.match(text, /\| `status\.anomalies` \| \[\]object \|/);
  });
});
