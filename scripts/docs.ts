/** `npm run docs`: regenerates docs/modelmonitor-reference.md from the CRD. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { renderReference } from '../operator/src/api/reference.js';
import { packageRoot } from '../operator/src/paths.js';

const root = packageRoot();
const crd = yaml.load(readFileSync(join(root, 'crds/modelmonitors.alertiger.io.yaml'), 'utf8')) as Parameters<typeof renderReference>[0];
writeFileSync(join(root, 'docs/modelmonitor-reference.md'), renderReference(crd));
process.stdout.write('wrote docs/modelmonitor-reference.md\n');
