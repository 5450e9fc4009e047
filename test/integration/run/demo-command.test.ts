/**
 * `alertiger demo` as a newcomer runs it: no cluster, no InfluxDB, no network; the real
 * statistics, pretrained detector and filters on the embedded store. It must find the injected
 * incident, stay quiet before it, end with the report page, and take well under a minute.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { alertiger } from '../../harness/cli.js';

describe('alertiger demo', function () {
  this.timeout(120_000);
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'alertiger-demo-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('finds the injected incident, prints the monitor and its anomalies, and writes the report in under a minute', async () => {
    const started = Date.now();
    const out = await alertiger(['demo', '--dir', join(dir, 'demo')], dir);
    const seconds = (Date.now() - started) / 1000;
    process.stdout.write(`      demo took ${seconds.toFixed(1)} s\n`);
    assert.equal(out.code, 0, out.stdout + out.stderr);
    assert.ok(seconds < 60, `the demo took ${seconds} s`);
    const lines = out.stdout.split('\n');
    const progress = lines.filter((l) => /^\[\s*\d+\/\d+\] window/.test(l));
    assert.equal(progress.length, 26, 'one progress line per daily run');
    const beforeIncident = progress.slice(0, 21);
    assert.deepEqual(beforeIncident.filter((l) => !/Healthy/.test(l)), [], 'no alarm in the weeks before the incident');
    assert.match(progress.at(-1)!, /Anomalous/);
    const get = lines.findIndex((l) => l.startsWith('$ kubectl get modelmonitors'));
    assert.match(lines[get + 1], /^NAME\s+MODEL\s+HEALTH\s+ANOMALIES\s+LAST RUN\s+AGE$/);
    assert.match(lines[get + 2], /^purchase-propensity\s+purchase-propensity\s+Anomalous\s+\d+\s/);
    assert.match(out.stdout, /feature\s+purchase_amount\s+missing_rate\s/);
    assert.match(out.stdout, /feature\s+age\s+mean\s/);
    const report = /^Report:\s+(.+)$/m.exec(out.stdout)?.[1];
    assert.ok(report !== undefined && existsSync(report), out.stdout);
    assert.match(readFileSync(report, 'utf8'), /purchase_amount/);
  });
});
