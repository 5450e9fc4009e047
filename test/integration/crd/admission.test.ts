/**
 * Admission against a real kube-apiserver: every spec the operator's validateSpec refuses, the
 * CRD's rules refuse too, so a bad monitor fails at `kubectl apply` instead of later, in status.
 * Each invalid fixture is refused by BOTH (naming the same field), secrets in URLs are never
 * echoed, the samples and the README's monitors pass both, and tables of globs, URLs and
 * schedules get one verdict from each.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import yaml from 'js-yaml';
import { realServers } from '../../harness/index.js';
import { kubectl, kubectlOk } from './kubectl.js';
import { mapLimit } from '../../harness/process.js';
import { validateMonitor, validateSpec } from '../../../operator/src/api/validate.js';
import { crdPath, invalidFixtures, repoFile, yamlFiles } from '../../unit/api/repo.js';

const ns = `admission-${Date.now().toString(36)}`;



function monitor(name: string, spec: Record<string, unknown>): Record<string, unknown> {
  return { apiVersion: 'alertiger.io/v1alpha1', kind: 'ModelMonitor', metadata: { name, namespace: ns }, spec };
}

function specWith(patch: Record<string, unknown>): Record<string, unknown> {
  return { model: { name: 'churn-model' }, source: { influx: { database: 'models', measurement: 'churn' } }, ...patch };
}

/** The API server's verdict on a spec, by a server-side dry run. */
async function admitted(spec: Record<string, unknown>): Promise<{ ok: boolean; stderr: string }> {
  const result = await kubectl(['apply', '--dry-run=server', '-f', '-'], yaml.dump(monitor('verdict', spec)));
  return { ok: result.code === 0, stderr: result.stderr };
}


/** The ModelMonitors in the README's yaml blocks. */
function readmeMonitors(): Record<string, unknown>[] {
  const text = readFileSync(repoFile('README.md'), 'utf8');
  const blocks = [...text.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);
  return blocks.flatMap((b) => yaml.loadAll(b)).filter((d): d is Record<string, unknown> => (d as { kind?: string } | null)?.kind === 'ModelMonitor');
}

/** Verdict tables; each row goes to the API server and to validateSpec. */
const SPEC_CASES: { why: string; patch: Record<string, unknown>; valid: boolean }[] = [
  ...[
    ['http://influxdb:8086', true], ['https://influx.example.com/db?x=1', true], ['http://10.0.0.7:8086', true], ['http://[::1]:8086', true],
    ['http://[::1', false], ['http://host:99999', false], ['http://host:', false], ['http://ho st', false], ['http://host/a%zz', false],
    ['http://user:pw@host', false], ['http://@host', false], ['influx:8086', false], ['ftp://host/', false],
  ].map(([url, valid]) => ({ why: `influx url ${String(url)}`, patch: { source: { influx: { database: 'd', measurement: 'm', url } } }, valid: valid as boolean })),
  ...[
    ['/data/*.jsonl', true], ['/data/part-[0-9].jsonl', true], ['/data/[!._]*.jsonl', true], ['/data/x?.jsonl', true], ['/data/[-a].jsonl', true],
    ['/data/[x.jsonl', false], ['/data/[].jsonl', false], ['/data/[z-a].jsonl', false], ['/data/[a-9].jsonl', false], ['/data/[!].jsonl', false], ['/data/[*].jsonl', false],
    ['https://logs.example.com/a.jsonl?sig=*', true], ['https://logs.example.com/[a].jsonl', false],
    ['/data/x.CSV.gz', false], ['/data/x.ndjson', true], ['https://h/x.csv?format=jsonl', false], ['/data/x.csv?', true],
  ].map(([path, valid]) => ({ why: `file path ${String(path)} (format jsonl)`, patch: { source: { file: { path } } }, valid: valid as boolean })),
  ...[
    [['debug_*'], true], [['f[!0-9]x'], true], [['a.b+(c)|d^e$'], false], [['feature.*'], true], [['user-id:x@y/z q'], true], [['sc.re'], true], [['['], false], [['a[b'], false], [['[z-a]'], false],
    [['s*'], false], [['?core'], false], [['[rs]core'], false], [['[!s]core'], true], [['score.'], true],
  ].map(([exclude, valid]) => ({ why: `exclude ${JSON.stringify(exclude)} with score "score"`, patch: { schema: { score: 'score', exclude } }, valid: valid as boolean })),
  { why: 'the label listed as categorical', patch: { schema: { label: 'y', categorical: ['y'] } }, valid: false },
  { why: 'the timestamp hidden by an exclude', patch: { schema: { timestamp: 'ts', exclude: ['t*'] } }, valid: false },
  { why: 'segments on a categorical column', patch: { schema: { segments: [{ column: 'country' }, { column: 'device', topK: 20 }] } }, valid: true },
  { why: 'a segment column that is the default score field', patch: { schema: { segments: [{ column: 'score' }] } }, valid: false },
  { why: 'a segment column that is the named label field', patch: { schema: { label: 'y', segments: [{ column: 'y' }] } }, valid: false },
  { why: 'a segment column that is the default timestamp field', patch: { schema: { segments: [{ column: 'ts' }] } }, valid: false },
  { why: 'a segment topK of 21', patch: { schema: { segments: [{ column: 'country', topK: 21 }] } }, valid: false },
  { why: 'four segment columns', patch: { schema: { segments: ['a', 'b', 'c', 'd'].map((column) => ({ column })) } }, valid: false },
  { why: 'a segment column listed twice', patch: { schema: { segments: [{ column: 'a' }, { column: 'a', topK: 2 }] } }, valid: false },
  { why: 'an alertmanagerURL with credentials', patch: { alerting: { alertmanagerURL: 'http://u:p@am:9093' } }, valid: false },
  { why: 'an empty alertmanagerURL', patch: { alerting: { alertmanagerURL: '' } }, valid: true },
];

describe('ModelMonitor admission on a real API server', () => {
  before(async () => {
    await realServers();
    await kubectlOk(['apply', '-f', crdPath]);
    await kubectlOk(['wait', '--for', 'condition=established', '--timeout=60s', 'crd/modelmonitors.alertiger.io']);
    await kubectlOk(['create', 'namespace', ns]);
  });

  it('refuses every invalid fixture at the API server AND in validateMonitor, naming the same field', async function () {
    this.timeout(300_000);
    const fixtures = invalidFixtures();
    const results = await mapLimit(fixtures, 3, async (f) => ({ f, result: await kubectl(['-n', ns, 'apply', '--dry-run=server', '-f', f.path]) }));
    const problems: string[] = [];
    for (const { f, result } of results) {
      if (result.code === 0) problems.push(`${f.name}: admitted by the API server`);
      else if (!result.stderr.includes(f.field)) problems.push(`${f.name}: the API server does not name ${f.field}: ${result.stderr}`);
      else if (f.message !== undefined && !result.stderr.includes(f.message)) problems.push(`${f.name}: the API server lacks "${f.message}": ${result.stderr}`);
      const errors = validateMonitor(f.resource);
      const match = errors.find((e) => e.field === f.field);
      if (match === undefined) problems.push(`${f.name}: validateMonitor does not name ${f.field}: ${JSON.stringify(errors)}`);
      else if (f.message !== undefined && !match.message.includes(f.message)) problems.push(`${f.name}: validateMonitor lacks "${f.message}": ${match.message}`);
      if (f.neverEcho !== undefined) {
        if (result.stderr.includes(f.neverEcho) || result.stdout.includes(f.neverEcho)) problems.push(`${f.name}: the API server echoes the secret`);
        if (JSON.stringify(errors).includes(f.neverEcho)) problems.push(`${f.name}: validateMonitor echoes the secret`);
      }
    }
    assert.deepEqual(problems, []);
  });

  it('never echoes the credentials of a URL, whatever else is wrong with it', async function () {
    this.timeout(120_000);
    const secret = 'pa55-w0rd-xyz';
    const urls = [
      `https://u:${secret}@logs.example.com/*.jsonl`, `http://u:${secret}@[::1`, `ftp://u:${secret}@h/x.jsonl`, `https://u:${secret}@h/a b.csv`,
      `https://u:${secret}@h/${'x'.repeat(4100)}.jsonl`,
    ];
    const specs = urls.flatMap((url) => [
      specWith({ source: { file: { path: url } } }),
      specWith({ source: { influx: { database: 'd', measurement: 'm', url } } }),
      specWith({ alerting: { alertmanagerURL: url } }),
    ]);
    const verdicts = await mapLimit(specs, 3, async (spec) => ({ spec, server: await admitted(spec), operator: validateSpec(spec) }));
    for (const { server, operator } of verdicts) {
      assert.equal(server.ok, false);
      assert.ok(operator.length > 0);
      assert.ok(!server.stderr.includes(secret), `the API server echoes the secret: ${server.stderr.slice(0, 400)}`);
      assert.ok(!JSON.stringify(operator).includes(secret), `validateSpec echoes the secret: ${JSON.stringify(operator).slice(0, 400)}`);
    }
  });

  it('admits every sample and README monitor, which validateMonitor accepts too', async () => {
    const resources = [...yamlFiles('manifests', 'samples').map((p) => yaml.load(readFileSync(p, 'utf8')) as Record<string, unknown>), ...readmeMonitors()];
    assert.ok(resources.length >= 5, `found ${resources.length}`);
    for (const r of resources) {
      const named = { ...r, metadata: { ...(r.metadata as object), namespace: ns } };
      assert.deepEqual(validateMonitor(named), [], JSON.stringify(r.metadata));
      await kubectlOk(['apply', '--dry-run=server', '-f', '-'], yaml.dump(named));
    }
  });

  it('gives the same verdict as validateSpec on URLs, globs, formats and schema roles', async function () {
    this.timeout(300_000);
    const verdicts = await mapLimit(SPEC_CASES, 3, async (c) => ({ c, server: await admitted(specWith(c.patch)), operator: validateSpec(specWith(c.patch)) }));
    const wrong = verdicts
      .filter((v) => v.server.ok !== v.c.valid || (v.operator.length === 0) !== v.c.valid)
      .map((v) => `${v.c.why}: expected valid=${v.c.valid}, API server ${v.server.ok ? 'admits' : `refuses (${v.server.stderr.trim()})`}, validateSpec ${JSON.stringify(v.operator)}`);
    assert.deepEqual(wrong, []);
  });
});
