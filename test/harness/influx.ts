/** InfluxDB 1.x (Debian's `influxd`) on a free loopback port, reporting off, data in a temp dir. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { systemBinary, versionOf } from './binaries.js';
import { ServerProcess, answers, freePort } from './process.js';

export interface InfluxServer {
  url: string;
  version: string;
  /** Stops the server (data kept), as an outage would. */
  stop(): Promise<void>;
  /** Starts it again on the same port with the same data. */
  start(): Promise<void>;
  running(): boolean;
}

export async function startInflux(dir: string): Promise<InfluxServer> {
  mkdirSync(dir, { recursive: true });
  const bin = systemBinary('influxd', 'influxdb');
  const [httpPort, rpcPort] = [await freePort(), await freePort()];
  const config = join(dir, 'influxdb.conf');
  writeFileSync(config, [
    'reporting-disabled = true',
    `bind-address = "127.0.0.1:${rpcPort}"`,
    '[meta]',
    `  dir = "${join(dir, 'meta')}"`,
    '[data]',
    `  dir = "${join(dir, 'data')}"`,
    `  wal-dir = "${join(dir, 'wal')}"`,
    '  query-log-enabled = false',
    '[http]',
    `  bind-address = "127.0.0.1:${httpPort}"`,
    '  log-enabled = false',
    '[monitor]',
    '  store-enabled = false',
    '[subscriber]',
    '  enabled = false',
    '[continuous_queries]',
    '  enabled = false',
    '',
  ].join('\n'));
  const url = `http://127.0.0.1:${httpPort}`;
  let server: ServerProcess | undefined;
  const start = async (): Promise<void> => {
    if (server?.running) return;
    server = new ServerProcess({ name: 'influxd', command: bin, args: ['run', '-config', config], logFile: join(dir, 'influxd.log') });
    await server.waitReady(() => answers(`${url}/ping`, 204), 30_000);
  };
  await start();
  return {
    url,
    version: versionOf(bin, ['version'], /InfluxDB v([0-9.]+)/),
    stop: async () => server?.stop(),
    start,
    running: () => server?.running ?? false,
  };
}
