/**
 * The operator's report page of a monitor (the link in every alert): the monitor's status from
 * the operator's cache, its series and scored points from InfluxDB, rendered by report/. Plug it
 * into the server as `reportHandler`.
 */
import { CONDITION_LAST_RUN } from '../api/conditions.js';
import type { Request, Response } from 'express';
import { withDefaults } from '../api/defaults.js';
import type { ModelMonitor } from '../api/types.js';
import type { Credentials } from '../config.js';
import { describeError, errorCode } from '../errors.js';
import type { Logger } from '../log.js';
import { renderReport, type ReportRun } from '../report/index.js';
import type { ReportContext, ReportHandler } from './app.js';
import { InfluxStatisticsStore } from '../store/influx.js';
import { buildReportData, type ReportSource } from '../report/data.js';

export interface ReportPageOptions {
  influxUrl: string;
  influxDatabase: string;
  credentials?: Credentials;
  log: Logger;
  /** Injected in tests; InfluxDB by default. */
  source?: (monitor: ModelMonitor) => ReportSource;
  clock?: () => Date;
}

/** The runs the status knows of: the last one, and the last success when it differs. */
export function runsFromStatus(monitor: ModelMonitor): ReportRun[] {
  const s = monitor.status ?? {};
  const runs: ReportRun[] = [];
  if (s.lastRunTime !== undefined) {
    const failed = s.conditions?.find((c) => c.type === CONDITION_LAST_RUN && c.status === 'False');
    runs.push({ time: s.lastRunTime, health: s.health ?? 'Unknown', anomalyCount: s.anomalyCount ?? 0, ...(failed ? { error: failed.message } : {}) });
  }
  if (s.lastSuccessfulRunTime !== undefined && s.lastSuccessfulRunTime !== s.lastRunTime) {
    runs.push({ time: s.lastSuccessfulRunTime, health: 'Succeeded', anomalyCount: s.anomalyCount ?? 0 });
  }
  return runs;
}

export function influxReportHandler(options: ReportPageOptions): ReportHandler {
  const source = options.source ?? ((monitor: ModelMonitor): ReportSource => new InfluxStatisticsStore(
    { namespace: monitor.metadata.namespace ?? 'default', monitor: monitor.metadata.name, modelVersion: monitor.spec.model.version },
    { url: options.influxUrl, database: options.influxDatabase, ...options.credentials, retries: 1 },
  ));
  return async (ctx: ReportContext, _req: Request, res: Response): Promise<void> => {
    if (ctx.monitor === undefined) {
      res.status(404).type('text/plain').send(`no ModelMonitor ${ctx.namespace}/${ctx.name}\n`);
      return;
    }
    const monitor = ctx.monitor;
    try {
      const data = await buildReportData(monitor, monitor.status ?? {}, source(monitor), {
        now: options.clock?.() ?? new Date(),
        runs: runsFromStatus(monitor),
        threshold: withDefaults(monitor.spec).detection.threshold,
      });
      res.status(200).type('text/html').send(renderReport(data));
    } catch (err) {
      options.log.warn('Could not build a report page', { monitor: `${ctx.namespace}/${ctx.name}`, code: errorCode(err), error: describeError(err) });
      res.status(503).type('text/plain').send(`the report of ${ctx.namespace}/${ctx.name} is unavailable: ${describeError(err)}\n`);
    }
  };
}
