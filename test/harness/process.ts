/**
 * Child server processes for the test harness: spawned in their own process group with output
 * to a log file, watched by a tiny shell watchdog that kills them if this Node process dies
 * (SIGKILL included), and stopped at exit. A server that exits or never answers fails with the
 * tail of its log, not with a timeout somewhere else.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';

const live = new Set<ChildProcess>();
let hooksInstalled = false;

function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', () => {
    for (const child of live) killGroup(child, 'SIGKILL');
  });
  // Exit on a signal only when nobody else handles it (mocha and dev-cluster do); the exit
  // hook above then kills the servers either way.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      if (process.listenerCount(signal) === 1) process.exit(signal === 'SIGINT' ? 130 : 143);
    });
  }
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone: nothing to stop.
  }
}

export interface ServerProcessOptions {
  name: string;
  command: string;
  args: string[];
  logFile: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export class ServerProcess {
  readonly name: string;
  readonly logFile: string;
  private child: ChildProcess;
  private exited: Promise<void>;

  constructor(options: ServerProcessOptions) {
    installExitHooks();
    this.name = options.name;
    this.logFile = options.logFile;
    const fd = openSync(options.logFile, 'a');
    this.child = spawn(options.command, options.args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', fd, fd],
      detached: true,
    });
    closeSync(fd);
    live.add(this.child);
    this.exited = new Promise((resolve) => {
      this.child.once('exit', () => {
        live.delete(this.child);
        resolve();
      });
      this.child.once('error', () => {
        live.delete(this.child);
        resolve();
      });
    });
    this.child.unref();
    if (this.child.pid !== undefined) startWatchdog(this.child.pid);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null && live.has(this.child);
  }

  /** The last lines of the server's log, for error messages. */
  logTail(lines = 40): string {
    if (!existsSync(this.logFile)) return '(no log)';
    return readFileSync(this.logFile, 'utf8').split('\n').slice(-lines).join('\n');
  }

  /** Polls `ready` until it resolves true; fails with the log if the process exits or time runs out. */
  async waitReady(ready: () => Promise<boolean>, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.running) {
        throw new Error(`${this.name} exited before it was ready; its log (${this.logFile}):\n${this.logTail()}`);
      }
      if (await ready().catch(() => false)) return;
      await sleep(250);
    }
    await this.stop();
    throw new Error(`${this.name} did not answer within ${timeoutMs / 1000}s; its log (${this.logFile}):\n${this.logTail()}`);
  }

  /** SIGTERM to the process group, SIGKILL after a grace period. */
  async stop(graceMs = 5000): Promise<void> {
    if (!this.running) return;
    killGroup(this.child, 'SIGTERM');
    const timer = setTimeout(() => killGroup(this.child, 'SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** Kills the server at once, as a crash would. */
  async kill(): Promise<void> {
    killGroup(this.child, 'SIGKILL');
    await this.exited;
  }
}

/** A shell loop that kills the server's group once this Node process is gone. */
function startWatchdog(childPid: number): void {
  const script = `while kill -0 ${process.pid} 2>/dev/null && kill -0 ${childPid} 2>/dev/null; do sleep 1; done; kill -KILL -${childPid} 2>/dev/null; exit 0`;
  const watchdog = spawn('sh', ['-c', script], { stdio: 'ignore', detached: true });
  watchdog.unref();
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

const handedOut = new Set<number>();

/**
 * Ports below Linux's ephemeral range (32768-60999), so that no outgoing connection of the
 * servers themselves (etcd to kube-apiserver, and so on) can take a port between our probe and
 * the server's bind.
 */
const PORT_RANGE = { from: 20000, to: 32000 } as const;

/**
 * A free TCP port on 127.0.0.1, outside the ephemeral range and never the same twice in this
 * process. Another process can still take it before our server binds; startWithFreshPorts
 * retries that case.
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = PORT_RANGE.from + Math.floor(Math.random() * (PORT_RANGE.to - PORT_RANGE.from));
    if (handedOut.has(port) || !(await canBind(port))) continue;
    handedOut.add(port);
    return port;
  }
}

/** Runs `start` again (it picks new ports) when a server lost its port to another process. */
export async function startWithFreshPorts<T>(start: (attempt: number) => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start(attempt);
    } catch (err) {
      const lostPort = err instanceof Error && /address already in use/.test(err.message);
      if (!lostPort || attempt >= attempts) throw err;
    }
  }
}

/** A loopback port nothing listens on (it was free a moment ago): a dead server's address. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address !== null ? address.port : 0;
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.on('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** GET a URL and tell whether it answered with the expected status. */
export async function answers(url: string, status = 200, init?: RequestInit): Promise<boolean> {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(2000) });
  await response.arrayBuffer();
  return response.status === status;
}

/** Maps with at most `limit` calls in flight at a time (the machine has two cores); results in order. */
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
