/** What the CRD tests share: kubectl against the harness's API server. */
import assert from 'node:assert/strict';
import { realServers, type KubectlResult } from '../../harness/index.js';

export async function kubectl(args: string[], input?: string): Promise<KubectlResult> {
  const { kube } = await realServers();
  return kube.kubectl(args, input === undefined ? {} : { input });
}

/** Runs kubectl and fails the test with its output unless it exits 0. */
export async function kubectlOk(args: string[], input?: string): Promise<string> {
  const result = await kubectl(args, input);
  assert.equal(result.code, 0, `kubectl ${args.join(' ')}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
  return result.stdout;
}
