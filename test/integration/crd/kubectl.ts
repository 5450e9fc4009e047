/** What the CRD tests share: kubectl against the harness's API server, a few at a time. */
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

/** Maps with at most `limit` kubectl processes at a time (the machine has two cores). */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
