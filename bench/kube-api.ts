/**
 * What the benchmarks that drive the test API server share: a plain HTTPS client with the admin
 * token, and the API server's process and CPU time (Linux /proc).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';

export interface Api {
  call(method: string, path: string, body?: unknown, options?: { accept?: string; contentType?: string }): Promise<{ status: number; body: string }>;
}

/** Requests as the cluster admin, 16 keep-alive connections at most. */
export function apiClient(url: string, ca: Buffer, token: string): Api {
  const agent = new Agent({ ca, keepAlive: true, maxSockets: 16 });
  return {
    call: (method, path, body, options = {}) => new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = request(`${url}${path}`, {
        method, agent,
        headers: {
          authorization: `Bearer ${token}`, accept: options.accept ?? 'application/json',
          ...(payload !== undefined ? { 'content-type': options.contentType ?? 'application/json' } : {}),
        },
      }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      });
      req.on('error', reject);
      req.end(payload);
    }),
  };
}

/** CPU seconds (user + system) a process has used (Linux /proc/PID/stat, in clock ticks of 10 ms). */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** The pid of the test kube-apiserver serving `url` (found by its --secure-port), for its CPU time. */
export function apiserverPid(url: string): number | undefined {
  const port = new URL(url).port;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (cmdline[0]?.endsWith('kube-apiserver') && cmdline.includes(`--secure-port=${port}`)) return Number(entry);
    } catch {
      // The process ended while we looked.
    }
  }
  return undefined;
}
