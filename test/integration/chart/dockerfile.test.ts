/**
 * The image is built and run by the node tier (test/image/build.sh, test/e2e/node); its
 * invariants are also checked on the Dockerfile itself, where a failure names the line: multi-stage, dev dependencies pruned, non-root, the pretrained model and the
 * CRD inside, the `alertiger` entrypoint, and the tag the chart and manifests refer to.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { chartDir, findDoc, readDocs, root } from './helm.js';

interface Stage { from: string; name?: string; instructions: Array<{ op: string; args: string }> }

/** The Dockerfile as stages of instructions (continuation lines joined, comments dropped). */
function parseDockerfile(text: string): { args: Record<string, string>; stages: Stage[] } {
  const lines = text.replace(/\\\r?\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  const args: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const line of lines) {
    const m = /^(\w+)\s+(.*)$/.exec(line);
    if (m === null) continue;
    const op = m[1].toUpperCase();
    const rest = m[2].trim();
    if (op === 'FROM') {
      const f = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(rest);
      assert.ok(f, `FROM ${rest}`);
      stages.push({ from: f[1].replace(/\$\{(\w+)\}/g, (_, name: string) => args[name] ?? ''), name: f[2], instructions: [] });
    } else if (stages.length === 0) {
      if (op === 'ARG') {
        const [k, v] = rest.split('=');
        args[k] = v ?? '';
      }
    } else {
      stages[stages.length - 1].instructions.push({ op, args: rest });
    }
  }
  return { args, stages };
}

describe('Dockerfile', () => {
  const text = readFileSync(join(root, 'Dockerfile'), 'utf8');
  const { stages } = parseDockerfile(text);
  const build = stages[0];
  const runtime = stages[stages.length - 1];
  const ops = (stage: Stage, op: string): string[] => stage.instructions.filter((i) => i.op === op).map((i) => i.args);

  it('builds in one stage and runs from another, both on node 20 bookworm-slim', () => {
    assert.ok(stages.length >= 2, 'multi-stage');
    for (const stage of stages) assert.equal(stage.from, 'node:20-bookworm-slim');
    assert.ok(build.name, 'the build stage is named');
    assert.ok(ops(runtime, 'COPY').some((c) => c.includes(`--from=${build.name}`)), 'the runtime copies from the build stage');
  });

  it('installs from the lock file, compiles and keeps dev dependencies out of what ships', () => {
    const runs = ops(build, 'RUN').join(' && ');
    assert.match(runs, /npm ci\b/);
    // Either pruned after the compile, or the production dependencies installed apart.
    assert.match(runs, /npm prune --omit=dev|npm ci --omit=dev/);
    assert.ok(ops(build, 'COPY').some((c) => c.includes('package-lock.json')));
  });

  it('runs as a numeric non-root user set before the entrypoint', () => {
    const users = ops(runtime, 'USER');
    assert.equal(users.length, 1);
    const [uid, gid] = users[0].split(':');
    assert.match(uid, /^\d+$/, 'numeric, so Kubernetes can check runAsNonRoot');
    assert.notEqual(Number(uid), 0);
    assert.notEqual(Number(gid ?? uid), 0);
    const index = (op: string): number => runtime.instructions.findIndex((i) => i.op === op);
    assert.ok(index('USER') < index('ENTRYPOINT'));
    assert.ok(!runtime.instructions.slice(index('USER')).some((i) => i.op === 'RUN'), 'no RUN after USER: the image is finished as root, then handed to the user');
  });

  it('has the alertiger binary as its exec-form entrypoint', () => {
    assert.deepEqual(ops(runtime, 'ENTRYPOINT').map((e) => JSON.parse(e) as unknown), [['alertiger']]);
    assert.match(ops(runtime, 'RUN').join(' '), /ln -s \/app\/bin\/alertiger\.js \/usr\/local\/bin\/alertiger/);
    assert.match(readFileSync(join(root, 'bin', 'alertiger.js'), 'utf8'), /^#!\/usr\/bin\/env node\n/);
  });

  it('ships the pretrained model, the CRD and the compiled operator, and no tests or sources', () => {
    const copies = ops(runtime, 'COPY');
    assert.ok(copies.some((c) => /^models\s+\.\/models$/.test(c)), 'models/ copied');
    assert.ok(copies.some((c) => /^crds\s/.test(c)), 'crds/ copied');
    assert.ok(copies.some((c) => c.includes('/dist/operator')), 'compiled operator copied');
    assert.ok(!copies.some((c) => /\btest\b|\/src\/operator|\bbench\b/.test(c)), 'no tests, TypeScript sources or benches');
    const ignored = readFileSync(join(root, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim());
    for (const path of ['node_modules', 'dist', '.git', 'test']) assert.ok(ignored.includes(path), `.dockerignore leaves out ${path}`);
    for (const path of ['models', 'crds', 'operator', 'bin']) assert.ok(!ignored.includes(path), `.dockerignore keeps ${path}`);
  });

  it('writes nothing outside /tmp at run time, so the root filesystem can be read-only', () => {
    assert.match(ops(runtime, 'ENV').join(' '), /HOME=\/tmp/);
    assert.ok(!ops(runtime, 'VOLUME').length, 'no VOLUME: the chart mounts /tmp');
  });

  it('is the image the chart and the plain manifests refer to, tagged with the package version', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    const chart = yaml.load(readFileSync(join(chartDir, 'Chart.yaml'), 'utf8')) as { appVersion: string };
    const values = yaml.load(readFileSync(join(chartDir, 'values.yaml'), 'utf8')) as { image: { repository: string } };
    assert.equal(chart.appVersion, pkg.version);
    const image = `${values.image.repository}:${chart.appVersion}`;
    const deployment = findDoc(readDocs('manifests', 'install', 'deployment.yaml'), 'Deployment') as unknown as {
      spec: { template: { spec: { containers: Array<{ image: string; env: Array<{ name: string; value?: string }> }> } } };
    };
    const container = deployment.spec.template.spec.containers[0];
    assert.equal(container.image, image);
    assert.equal(container.env.find((e) => e.name === 'ALERTIGER_JOB_IMAGE')?.value, image);
    assert.match(text, /LABEL[\s\S]*org\.opencontainers\.image\.title="alertiger-operator"/);
  });
});
