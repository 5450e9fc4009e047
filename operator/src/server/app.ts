/**
 * The operator's HTTP server: `/healthz` (the process serves), `/readyz` (caches synced and
 * leader state known; a follower is ready too, it just waits), `/metrics` (its own registry),
 * and the per-monitor report page, whose handler is plugged in from outside. The report pages
 * are guarded by access.ts (loopback only, or a bearer token); the rest is open to probes and
 * Prometheus.
 */
import express, { type Request, type Response } from 'express';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { ModelMonitor } from '../api/types.js';
import { reportAccessMiddleware, type TokenSource } from './access.js';

export interface ReportContext {
  namespace: string;
  name: string;
  /** The monitor from the operator's cache; undefined when there is none of that name. */
  monitor: ModelMonitor | undefined;
}

export type ReportHandler = (ctx: ReportContext, req: Request, res: Response) => void | Promise<void>;

export interface ServerOptions {
  registry: Registry;
  /** Why the operator is not ready yet, or undefined when it is. */
  notReadyReason(): string | undefined;
  lookupMonitor(namespace: string, name: string): ModelMonitor | undefined;
  reportHandler?: ReportHandler;
  /** The bearer token the report pages require; undefined serves them to loopback clients only. */
  reportToken?: TokenSource | undefined;
}

export function createApp(options: ServerOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => {
    res.type('text/plain').send('ok\n');
  });
  app.get('/readyz', (_req, res) => {
    const reason = options.notReadyReason();
    if (reason === undefined) res.type('text/plain').send('ok\n');
    else res.status(503).type('text/plain').send(`not ready: ${reason}\n`);
  });
  app.get('/metrics', async (_req, res) => {
    // Exactly prom-client's content type: express's res.type() would add a charset first.
    res.setHeader('Content-Type', options.registry.contentType);
    res.end(await options.registry.metrics());
  });
  const report = async (req: Request<{ ns: string; name: string }>, res: Response): Promise<void> => {
    if (options.reportHandler === undefined) {
      res.status(404).type('text/plain').send('report pages are not enabled in this build\n');
      return;
    }
    const { ns, name } = req.params;
    await options.reportHandler({ namespace: ns, name, monitor: options.lookupMonitor(ns, name) }, req, res);
  };
  // Alerts link `${reportUrl}/monitors/NS/NAME`; `/report` is the page's explicit name.
  const guard = reportAccessMiddleware(options.reportToken);
  app.get('/monitors/:ns/:name/report', guard, report);
  app.get('/monitors/:ns/:name', guard, report);
  return app;
}

export interface RunningServer {
  port: number;
  close(): Promise<void>;
}

export function listen(app: express.Express, host: string, port: number): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const server = createServer(app);
    server.once('error', reject);
    server.listen({ port, ...(host === '' ? {} : { host }) });
    server.once('listening', () => {
      const address = server.address() as AddressInfo;
      resolve({
        port: address.port,
        close: () => new Promise((done) => {
          server.closeAllConnections();
          server.close(() => done());
        }),
      });
    });
  });
}
