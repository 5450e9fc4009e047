/**
 * The product end to end (issue 5), on the real servers: a ModelMonitor is applied -> the
 * operator (in-process, as its Deployment would run it) writes the CronJob -> the CronJob's
 * container runs as a kubelet would (its args, its env, its ServiceAccount's token) -> InfluxDB
 * holds the statistics -> `kubectl get mm` shows the health -> Alertmanager delivers the alert
 * to a webhook, grouped by monitor -> a later run resolves it. Plus a healthy model, InfluxDB
 * down during a run, and Alertmanager restarted with its storage wiped.
 */
import assert from 'node:assert/strict';
import type { ModelMonitor } from '../../operator/src/api/types.js';
import type { Incident } from '../../operator/src/synthetic/index.js';
import type { RealServers, WebhookNotification } from '../harness/index.js';
import {
  JOB_IMAGE, applyMonitor, getJson, kubectlOk, newNamespace, servers, startTestOperator, testConfig, waitFor, type TestOperator,
} from '../integration/operator/helpers.js';
import { silentLogger } from '../../operator/src/log.js';
import { influxReportHandler } from '../../operator/src/server/report-page.js';
import { influxQuery, writeInferenceLog } from './influx-log.js';
import { runCronJobOnce, type JobRun } from './kubelet.js';

const DAY = 86_400_000;
const today = Math.floor(Date.now() / DAY) * DAY;
/** The log starts 60 days back and runs 5 days ahead, so later days' runs have their rows. */
const logStart = today - 60 * DAY;
const logDays = 65;
/** As the CronJob would run on day `d` (0 = today) at its schedule, 02:15 UTC. */
const runDay = (d: number): string => new Date(today + d * DAY + 2 * 3600_000 + 15 * 60_000).toISOString();
/** The incident: from 3 days ago to the end of yesterday, purchase_amount is missing on half the rows. */
const incidents: Incident[] = [{ kind: 'missing', feature: 'purchase_amount', rate: 0.5, fromDay: 57, toDay: 60 }];

/** ALERTIGER_TEST_DETECTOR points the jobs at another detector directory (default: the pretrained one). */
const detectorEnv: Record<string, string> = process.env.ALERTIGER_TEST_DETECTOR ? { ALERTIGER_DETECTOR: process.env.ALERTIGER_TEST_DETECTOR } : {};

const SICK = 'feed-ranker';
const HEALTHY = 'fraud-score';
const OUTAGE = 'churn-model';
const REPORT_BASE = 'http://alertiger.example:8080';

function spec(model: string): Record<string, unknown> {
  return {
    model: { name: model, version: 'v7' },
    source: { influx: { database: 'models', measurement: 'inference_log', where: { model } } },
    schema: { score: 'score', label: 'label', timestamp: 'ts', categorical: ['country', 'device', 'channel'], task: 'classification' },
    granularity: '1d',
    schedule: '15 2 * * *',
    alerting: { labels: { team: 'growth' }, annotations: { runbook_url: 'https://runbooks.example/models' } },
  };
}

describe('AlerTiger end to end (real kube-apiserver, InfluxDB, Alertmanager)', function () {
  this.timeout(300_000);
  let env: RealServers;
  let ns: string;
  let operator: TestOperator;
  const runs: Array<{ what: string; run: JobRun }> = [];

  async function job(monitor: string, what: string, extraEnv: Record<string, string> = {}, onLog?: (text: string) => void): Promise<JobRun> {
    const run = await runCronJobOnce(env, ns, `${monitor}-alertiger`, { ...detectorEnv, ...extraEnv }, onLog);
    runs.push({ what, run });
    return run;
  }
  const explain = (run: JobRun): string => `exit ${run.code}\nstdout: ${run.stdout}\nstderr: ${run.stderr.slice(-4000)}`;
  const monitorStatus = async (name: string): Promise<NonNullable<ModelMonitor['status']>> =>
    (await getJson<ModelMonitor>(['-n', ns, 'get', 'modelmonitor', name])).status ?? {};
  const group = (name: string) => (n: WebhookNotification): boolean => n.groupLabels.namespace === ns && n.groupLabels.monitor === name;

  before(async () => {
    env = await servers();
    ns = await newNamespace('e2e');
    const rowsPerDay = 300;
    // Labels arrive late; reading the log well after its end keeps label coverage steady, so the
    // only story is the incident.
    const asOf = new Date(logStart + (logDays + 30) * DAY);
    await writeInferenceLog(env.influx.url, 'models', 'inference_log', { model: SICK }, { seed: 11, days: logDays, rowsPerDay, start: new Date(logStart), incidents, asOf });
    await writeInferenceLog(env.influx.url, 'models', 'inference_log', { model: HEALTHY }, { seed: 12, days: logDays, rowsPerDay, start: new Date(logStart), asOf });
    await writeInferenceLog(env.influx.url, 'models', 'inference_log', { model: OUTAGE }, { seed: 13, days: logDays, rowsPerDay, start: new Date(logStart), asOf });
    operator = await startTestOperator(testConfig([ns], { ALERTIGER_RESEND_INTERVAL: '3s' }), 'e2e');
    await applyMonitor(ns, SICK, spec(SICK));
    await applyMonitor(ns, HEALTHY, spec(HEALTHY));
    await applyMonitor(ns, OUTAGE, spec(OUTAGE));
  });

  after(async () => {
    await operator?.running.stop();
    for (const { what, run } of runs) process.stdout.write(`      job run (${what}): ${(run.durationMs / 1000).toFixed(1)} s, exit ${run.code}\n`);
  });

  afterEach(async function () {
    if (this.currentTest?.state !== 'failed') return;
    const all = await env.kube.kubectl(['-n', ns, 'get', 'modelmonitors,cronjobs,serviceaccounts,roles,rolebindings', '-o', 'yaml']);
    process.stdout.write(`--- objects in ${ns}:\n${all.stdout.slice(0, 20_000)}\n--- last job stderr:\n${runs.at(-1)?.run.stderr.slice(-6000) ?? ''}\n`);
  });

  it('creates the CronJob that runs the monitor in job mode, owned by the monitor', async () => {
    const cronJob = await waitFor('the CronJob', async () => {
      const r = await env.kube.kubectl(['-n', ns, 'get', 'cronjob', `${SICK}-alertiger`, '-o', 'json']);
      return r.code === 0 ? JSON.parse(r.stdout) as { metadata: { ownerReferences: Array<{ kind: string; name: string }> }; spec: { schedule: string; jobTemplate: { spec: { template: { spec: { containers: Array<{ image: string; args: string[] }> } } } } } } : undefined;
    });
    assert.equal(cronJob.spec.schedule, '15 2 * * *');
    const container = cronJob.spec.jobTemplate.spec.template.spec.containers[0];
    assert.equal(container.image, JOB_IMAGE);
    assert.deepEqual(container.args, ['job', '--monitor', `${ns}/${SICK}`]);
    assert.deepEqual(cronJob.metadata.ownerReferences.map((o) => [o.kind, o.name]), [['ModelMonitor', SICK]]);
    await waitFor('the CronJob of the healthy model', async () => ((await env.kube.kubectl(['-n', ns, 'get', 'cronjob', `${HEALTHY}-alertiger`])).code === 0 ? true : undefined));
  });

  it('finds the incident, stores the statistics, shows Anomalous, and alerts through Alertmanager', async () => {
    const run = await job(SICK, 'first run, 38-day backfill');
    assert.equal(run.code, 0, explain(run));

    const counted = await influxQuery(env.influx.url, 'alertiger', `SELECT count("missing_rate") FROM "model_health" WHERE "monitor" = '${SICK}' AND "namespace" = '${ns}' AND "subject" = 'purchase_amount'`);
    assert.equal(counted[0]?.values[0]?.[1], 38, 'the first run backfills 28 + 3 + 7 windows of statistics (history, scored points, label horizon)');

    const status = await monitorStatus(SICK);
    assert.equal(status.health, 'Anomalous', JSON.stringify(status, null, 1));
    assert.ok((status.anomalyCount ?? 0) >= 1);
    assert.ok(status.anomalies?.some((a) => a.subject === 'purchase_amount' && a.statistic === 'missing_rate'), JSON.stringify(status.anomalies, null, 1));
    assert.equal(status.lastWindowEnd, new Date(today).toISOString());
    const types = (status.conditions ?? []).map((c) => `${c.type}=${c.status}`);
    assert.ok(types.includes('Healthy=False') && types.includes('LastRunSucceeded=True') && types.includes('Ready=True'), types.join(' '));
    // Server-side apply: the job owns its fields, the operator keeps Ready and cronJobName.
    const managed = (await getJson<{ metadata: { managedFields: Array<{ manager: string; operation: string; subresource?: string; fieldsV1: unknown }> } }>(['-n', ns, 'get', 'modelmonitor', SICK, '--show-managed-fields'])).metadata.managedFields;
    const jobFields = JSON.stringify(managed.find((m) => m.manager === 'alertiger-job' && m.subresource === 'status')?.fieldsV1 ?? {});
    assert.match(jobFields, /"f:health"/);
    assert.match(jobFields, /"k:\{\\"type\\":\\"LastRunSucceeded\\"\}"/);
    assert.doesNotMatch(jobFields, /Ready|cronJobName/);
    assert.equal(status.cronJobName, `${SICK}-alertiger`);

    const table = await kubectlOk(['-n', ns, 'get', 'mm', SICK]);
    assert.match(table.split('\n')[0], /^NAME\s+MODEL\s+READY\s+REASON\s+HEALTH\s+ANOMALIES\s+LAST RUN\s+AGE/);
    assert.match(table.split('\n')[1], new RegExp(`^${SICK}\\s+${SICK}\\s+True\\s+\\S+\\s+Anomalous\\s+${status.anomalyCount}\\s`));

    const notified = await env.alertmanager.webhook.waitFor((n) => group(SICK)(n) && n.status === 'firing');
    const alert = notified.alerts.find((a) => a.labels.subject === 'purchase_amount' && a.labels.statistic === 'missing_rate');
    assert.ok(alert !== undefined, JSON.stringify(notified.alerts.map((a) => a.labels)));
    assert.deepEqual({ ...alert.labels, severity: undefined }, {
      alertname: 'ModelHealthAnomaly', namespace: ns, monitor: SICK, model: SICK, model_version: 'v7',
      category: 'feature', subject: 'purchase_amount', statistic: 'missing_rate', team: 'growth', severity: undefined,
    });
    assert.match(alert.labels.severity, /^(warning|critical)$/);
    assert.equal(alert.annotations.report_url, `${REPORT_BASE}/monitors/${ns}/${SICK}`);
    assert.equal(alert.annotations.runbook_url, 'https://runbooks.example/models');
    assert.match(alert.annotations.summary, /purchase_amount: missing_rate is 0\.\d+, expected 0\.0\d+/);
    assert.match(alert.annotations.description, /within \[/);
    assert.equal(alert.startsAt.slice(0, 10), new Date(today - 3 * DAY).toISOString().slice(0, 10));
  });

  it('serves the report page linked from the alert, from the status and InfluxDB', async () => {
    const monitor = await getJson<ModelMonitor>(['-n', ns, 'get', 'modelmonitor', SICK]);
    let body = '';
    let code = 0;
    const res = { status: (c: number) => ((code = c), res), type: () => res, send: (b: string) => ((body = b), res) };
    await influxReportHandler({ influxUrl: env.influx.url, influxDatabase: 'alertiger', log: silentLogger })({ namespace: ns, name: SICK, monitor }, {} as never, res as never);
    assert.equal(code, 200, body);
    assert.match(body, /purchase_amount/);
    assert.match(body, /<svg/);
  });

  it('restores the open alert after Alertmanager restarts with its storage wiped', async () => {
    await env.alertmanager.restart({ wipe: true });
    const active = await waitFor('the alert to be active again', async () => {
      const res = await fetch(`${env.alertmanager.url}/api/v2/alerts?filter=${encodeURIComponent(`monitor="${SICK}"`)}&filter=${encodeURIComponent(`namespace="${ns}"`)}`);
      const alerts = (await res.json()) as Array<{ labels: Record<string, string>; status: { state: string } }>;
      return alerts.some((a) => a.labels.subject === 'purchase_amount' && a.status.state === 'active') ? alerts : undefined;
    }, 30_000, 500);
    assert.ok(active.length >= 1);
  });

  it('resolves the alert when a later run finds the incident over', async () => {
    env.alertmanager.webhook.clear();
    const run = await job(SICK, 'next day, incident over', { ALERTIGER_NOW: runDay(1) });
    assert.equal(run.code, 0, explain(run));
    const status = await monitorStatus(SICK);
    assert.equal(status.health, 'Healthy', JSON.stringify(status, null, 1));
    assert.equal(status.anomalyCount, 0);
    const resolved = await env.alertmanager.webhook.waitFor((n) => group(SICK)(n) && n.status === 'resolved');
    assert.ok(resolved.alerts.some((a) => a.labels.subject === 'purchase_amount' && a.status === 'resolved'));
  });

  it('raises nothing for a healthy model', async () => {
    const run = await job(HEALTHY, 'healthy model, first run');
    assert.equal(run.code, 0, explain(run));
    const status = await monitorStatus(HEALTHY);
    assert.equal(status.health, 'Healthy', JSON.stringify(status.anomalies, null, 1));
    assert.equal(status.anomalyCount, 0);
    await new Promise((r) => setTimeout(r, 4000)); // past the harness route's group_wait
    assert.deepEqual(env.alertmanager.webhook.received.filter(group(HEALTHY)), []);
  });

  it('fails a run with a clear condition while InfluxDB is down, and the next run catches up every window', async () => {
    await env.influx.stop();
    let failed: JobRun;
    try {
      failed = await job(HEALTHY, 'InfluxDB down', { ALERTIGER_NOW: runDay(1) });
    } finally {
      await env.influx.start();
    }
    assert.equal(failed.code, 2, explain(failed));
    const down = await monitorStatus(HEALTHY);
    assert.equal(down.health, 'Failed');
    assert.equal(down.lastWindowEnd, new Date(today).toISOString(), 'the window marker does not move');
    const cond = down.conditions?.find((c) => c.type === 'LastRunSucceeded');
    assert.equal(cond?.status, 'False');
    assert.match(cond?.reason ?? '', /^(Source|Influx)Unavailable$/);
    assert.ok(cond?.message.includes(env.influx.url), cond?.message);

    const caughtUp = await job(HEALTHY, 'InfluxDB back, catch-up of 2 windows', { ALERTIGER_NOW: runDay(2) });
    assert.equal(caughtUp.code, 0, explain(caughtUp));
    const after = await monitorStatus(HEALTHY);
    assert.equal(after.health, 'Healthy');
    assert.equal(after.lastWindowEnd, new Date(today + 2 * DAY).toISOString());
    const counted = await influxQuery(env.influx.url, 'alertiger', `SELECT count("traffic") FROM "model_health" WHERE "monitor" = '${HEALTHY}' AND "namespace" = '${ns}' AND "category" = 'score'`);
    assert.equal(counted[0]?.values[0]?.[1], 40, 'no window lost: 38 backfilled + the missed one + the new one');
  });

  it('fails a run when InfluxDB stops in the middle of it, and the next run stores every window', async () => {
    await waitFor('the CronJob', async () => ((await env.kube.kubectl(['-n', ns, 'get', 'cronjob', `${OUTAGE}-alertiger`])).code === 0 ? true : undefined));
    let stopping: Promise<void> | undefined;
    let failed: JobRun;
    try {
      // The first run reads 38 days of the log page by page: stop InfluxDB as soon as it starts.
      failed = await job(OUTAGE, 'InfluxDB stopped mid-run', {}, (log) => {
        if (stopping === undefined && log.includes('"msg":"Run started"')) stopping = env.influx.stop();
      });
    } finally {
      await stopping;
      await env.influx.start();
    }
    assert.ok(stopping !== undefined, 'the run never started');
    assert.equal(failed.code, 2, explain(failed));
    const down = await monitorStatus(OUTAGE);
    assert.equal(down.health, 'Failed');
    assert.equal(down.lastWindowEnd, undefined);
    assert.match(down.conditions?.find((c) => c.type === 'LastRunSucceeded')?.reason ?? '', /^(Source|Influx)Unavailable$/);

    const retried = await job(OUTAGE, 'after the outage');
    assert.equal(retried.code, 0, explain(retried));
    assert.equal((await monitorStatus(OUTAGE)).health, 'Healthy');
    const counted = await influxQuery(env.influx.url, 'alertiger', `SELECT count("traffic") FROM "model_health" WHERE "monitor" = '${OUTAGE}' AND "namespace" = '${ns}' AND "category" = 'score'`);
    assert.equal(counted[0]?.values[0]?.[1], 38, 'every backfilled window stored after the outage');
  });
});
