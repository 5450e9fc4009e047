/**
 * How the operator finds and authenticates to the API server: kubeconfig files with static
 * credentials (read here), with a plugin (handed to client-node), the in-cluster ServiceAccount,
 * and the errors that name what is missing.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inClusterConnection, kubeconfigConnection, loadConnection } from '../../../operator/src/k8s/connection.js';

function kubeconfig(dir: string, cluster: string, user: string): string {
  const path = join(dir, 'config');
  writeFileSync(path, `apiVersion: v1
kind: Config
current-context: main
contexts:
- name: main
  context: {cluster: c, user: u}
- name: other
  context: {cluster: nope, user: u}
clusters:
- name: c
  cluster:
${cluster}
users:
- name: u
  user:
${user}
`);
  return path;
}

describe('k8s/connection', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'alertiger-conn-'));
  });

  it('reads a token, a CA file relative to the kubeconfig, and strips the trailing slash of the server', async () => {
    mkdirSync(join(dir, 'pki'));
    writeFileSync(join(dir, 'pki', 'ca.crt'), 'CA-PEM');
    const path = kubeconfig(dir, '    server: https://10.0.0.1:6443/\n    certificate-authority: pki/ca.crt', '    token: abc');
    const conn = await kubeconfigConnection(path);
    assert.equal(conn.server, 'https://10.0.0.1:6443');
    assert.equal(String((await conn.tls()).ca), 'CA-PEM');
    assert.deepEqual(await conn.headers(), { authorization: 'Bearer abc' });
  });

  it('reads inline client certificates, skip-verify, a token file and basic auth', async () => {
    const b64 = (s: string): string => Buffer.from(s).toString('base64');
    const certs = await kubeconfigConnection(kubeconfig(dir, `    server: https://h:1\n    insecure-skip-tls-verify: true\n    tls-server-name: api`,
      `    client-certificate-data: ${b64('CERT')}\n    client-key-data: ${b64('KEY')}`));
    const tls = await certs.tls();
    assert.deepEqual([String(tls.cert), String(tls.key), tls.rejectUnauthorized, tls.servername], ['CERT', 'KEY', false, 'api']);
    assert.deepEqual(await certs.headers(), {}, 'a client certificate needs no header');

    writeFileSync(join(dir, 'token'), 'from-file\n');
    const file = await kubeconfigConnection(kubeconfig(dir, '    server: https://h:1', '    tokenFile: token'));
    assert.deepEqual(await file.headers(), { authorization: 'Bearer from-file' });

    const basic = await kubeconfigConnection(kubeconfig(dir, '    server: https://h:1', '    username: ann\n    password: pw'));
    assert.deepEqual(await basic.headers(), { authorization: `Basic ${b64('ann:pw')}` });
  });

  it('hands a user with an exec plugin to client-node, which runs it for each request', async () => {
    const plugin = join(dir, 'plugin.sh');
    writeFileSync(plugin, `#!/bin/sh\necho '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"from-plugin"}}'\n`, { mode: 0o755 });
    const conn = await kubeconfigConnection(kubeconfig(dir, '    server: https://h:1',
      `    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: ${plugin}\n      interactiveMode: Never`));
    assert.equal(conn.server, 'https://h:1');
    assert.deepEqual(await conn.headers(), { authorization: 'Bearer from-plugin' });
  });

  it('names what is wrong: no file, not YAML, no context, no server, plain HTTP', async () => {
    await assert.rejects(loadConnection(join(dir, 'missing')), /cannot read the kubeconfig .*missing/);
    writeFileSync(join(dir, 'bad'), 'a: [');
    await assert.rejects(kubeconfigConnection(join(dir, 'bad')), /is not YAML/);
    const path = kubeconfig(dir, '    server: https://h:1', '    token: t');
    writeFileSync(join(dir, 'noctx'), 'current-context: gone\ncontexts: []\n');
    await assert.rejects(kubeconfigConnection(join(dir, 'noctx')), /no current context named gone/);
    writeFileSync(path, `current-context: x\ncontexts: [{name: x, context: {cluster: c, user: u}}]\nclusters: [{name: c, cluster: {}}]\n`);
    await assert.rejects(kubeconfigConnection(path), /context x names no cluster with a server/);
    await assert.rejects(kubeconfigConnection(kubeconfig(dir, '    server: http://h:8080', '    token: t')), /over HTTPS without a proxy; the kubeconfig says http:\/\/h:8080/);
  });

  it('in a cluster: the server from the env (IPv6 in brackets), the CA and token from the ServiceAccount volume', async () => {
    writeFileSync(join(dir, 'ca.crt'), 'SA-CA');
    writeFileSync(join(dir, 'token'), 'sa-token');
    const conn = inClusterConnection({ KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443' }, dir);
    assert.equal(conn.server, 'https://[fd00::1]:443');
    assert.equal(String((await conn.tls()).ca), 'SA-CA');
    assert.deepEqual(await conn.headers(), { authorization: 'Bearer sa-token' });
    assert.throws(() => inClusterConnection({}, dir), /not in a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are unset/);
  });

  it('picks up a rotated ServiceAccount token within a minute, and keeps the last one while the file is briefly gone', async () => {
    writeFileSync(join(dir, 'ca.crt'), 'SA-CA');
    writeFileSync(join(dir, 'token'), 'first');
    let now = 0;
    const conn = inClusterConnection({ KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443' }, dir, () => now);
    writeFileSync(join(dir, 'token'), 'rotated');
    now = 59_000;
    assert.deepEqual(await conn.headers(), { authorization: 'Bearer first' }, 'read at most once a minute');
    now = 60_000;
    assert.deepEqual(await conn.headers(), { authorization: 'Bearer rotated' });
    rmSync(join(dir, 'token'));
    now = 120_000;
    assert.deepEqual(await conn.headers(), { authorization: 'Bearer rotated' });
  });
});
