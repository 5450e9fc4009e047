/**
 * Feedback by kubectl on the real servers (docs/feedback.md): a job run (`alertiger job`, a
 * separate process, against the real kube-apiserver, InfluxDB and Alertmanager) raises anomalies
 * with ids and puts the feedback commands on the alerts; a person marks one an incident and one a
 * false alarm with the real kubectl, plus one id that names no anomaly; the next run stores both
 * verdicts in InfluxDB, accepts the false alarm as the new normal, counts precision 0.5 for 30
 * days on the status and names the unknown id; the operator's /metrics exports the precision.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AnomalyStatus } from '../../../operator/src/api/types.js';
import { anomalyId, episodeIds, episodesOf } from '../../../operator/src/run/feedback.js';
import { InfluxStatisticsStore, readFeedback } from '../../../operator/src/store/influx.js';
import { DEFAULT_START, generateInferenceLog } from '../../../operator/src/synthetic/index.js';
import { alertiger, type CliResult } from '../../harness/cli.js';
import {
  applyMonitor, getMonitor, kubectlOk, newNamespace, servers, startTestOperator, testConfig, waitFor, type TestOperator,
} from '../operator/helpers.js';

interface AmAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  status: { state: string };
}

const DAY = 86_400_000;
const NAME = 'propensity';
const DATABASE = 'alertiger_feedback_it';

describe('feedback by kubectl, on the real API server, InfluxDB and Alertmanager', function () {
  this.timeout(600_000);
  const dir = mkdtempSync(join(tmpdir(), 'alertiger-feedback-it-'));
  const start = Date.parse(DEFAULT_START);
  const at = (day: number): string => new Date(start + day * DAY + 2 * 3600_000).toISOString();
  let ns: string;
  let op: TestOperator | undefined;
  let env: Awaited<ReturnType<typeof servers>>;

  before(async () => {
    env = await servers();
    ns = await newNamespace('feedback');
    // 42 days of log; from day 36 purchase_amount goes missing for 45% of rows and age shifts.
    const rows = generateInferenceLog({
      seed: 3, days: 42, rowsPerDay: 400, asOf: new Date(start + 80 * DAY),
      incidents: [
        { kind: 'missing', feature: 'purchase_amount', rate: 0.45, fromDay: 36 },
        { kind: 'shift', feature: 'age', by: 25, fromDay: 36 },
      ],
    });
    writeFileSync(join(dir, 'log.jsonl'), [...rows].map((row) => JSON.stringify(row)).join('\n') + '\n');
    await applyMonitor(ns, NAME, {
      model: { name: NAME },
      source: { file: { path: join(dir, 'log.jsonl') } },
      schema: { categorical: ['country', 'device', 'channel'] },
    });
    op = await startTestOperator(testConfig([ns], { ALERTIGER_INFLUX_DATABASE: DATABASE }), 'feedback-a');
  });

  after(async () => {
    await op?.running.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  function runJob(now: string): Promise<CliResult> {
    const detector = process.env.ALERTIGER_TEST_DETECTOR;
    return alertiger(['job', '--monitor', `${ns}/${NAME}`, '--now', now, '--kubeconfig', env.kube.kubeconfig, '--influx-url', env.influx.url,
      '--influx-database', DATABASE, '--alertmanager-url', env.alertmanager.url, ...(detector !== undefined ? ['--detector', detector] : [])]);
  }

  async function alertsOf(): Promise<AmAlert[]> {
    const filter = (f: string): string => `filter=${encodeURIComponent(f)}`;
    const res = await fetch(`${env.alertmanager.url}/api/v2/alerts?${filter(`monitor="${NAME}"`)}&${filter(`namespace="${ns}"`)}`);
    return ((await res.json()) as AmAlert[]).filter((a) => a.status.state === 'active');
  }

  let incident: AnomalyStatus;
  let falseAlarm: AnomalyStatus;

  it('gives each anomaly an id on the status, and the feedback commands on its alert', async () => {
    const first = await runJob(at(38));
    assert.equal(first.code, 0, first.stdout + first.stderr);
    const monitor = await getMonitor(ns, NAME);
    const open = (monitor.status?.anomalies ?? []).filter((a) => a.category !== 'model');
    assert.ok(open.length >= 2, `two anomalies to mark: ${JSON.stringify(monitor.status?.anomalies)}\n${first.stdout}${first.stderr}`);
    for (const a of monitor.status!.anomalies!) {
      assert.equal(a.id, anomalyId({ namespace: ns, monitor: NAME, category: a.category, subject: a.subject, statistic: a.statistic, start: a.start }));
    }
    [incident, falseAlarm] = open;
    assert.deepEqual(monitor.status?.feedback?.last30d, { incidents: 0, falseAlarms: 0, unlabelled: monitor.status?.feedback?.last30d.unlabelled });
    assert.ok(monitor.status!.feedback!.last30d.unlabelled >= 2, JSON.stringify(monitor.status?.feedback));
    const alert = (await alertsOf()).find((a) => a.labels.subject === incident.subject && a.labels.statistic === incident.statistic);
    assert.ok(alert !== undefined, JSON.stringify(await alertsOf()));
    assert.equal(alert.annotations.anomaly_id, incident.id);
    assert.equal(alert.annotations.feedback_incident, `kubectl -n ${ns} annotate --overwrite modelmonitor ${NAME} feedback.alertiger.io/${incident.id}=incident`);
    assert.equal(alert.annotations.feedback_false_alarm, `kubectl -n ${ns} annotate --overwrite modelmonitor ${NAME} feedback.alertiger.io/${incident.id}=false-alarm`);
  });

  it('stores the verdicts given by kubectl annotate, counts precision 0.5 for 30 days, accepts the false alarm and names the unknown id', async () => {
    // The command from the alert, as the on-call person copies it (and two more).
    const command = (await alertsOf()).find((a) => a.annotations.anomaly_id === incident.id)!.annotations.feedback_incident!;
    await kubectlOk(command.split(' ').slice(1));
    await kubectlOk(['-n', ns, 'annotate', 'modelmonitor', NAME, `feedback.alertiger.io/${falseAlarm.id}=false-alarm:planned backfill`]);
    await kubectlOk(['-n', ns, 'annotate', 'modelmonitor', NAME, 'feedback.alertiger.io/0000000000=incident']);

    const second = await runJob(at(39));
    assert.equal(second.code, 0, second.stdout + second.stderr);

    const stored = await readFeedback({ url: env.influx.url, database: DATABASE }, { namespace: ns, monitor: NAME });
    assert.deepEqual(stored.map((r) => [r.id, r.verdict, r.note, r.subject, r.statistic]).sort(), [
      [incident.id, 'incident', '', incident.subject, incident.statistic],
      [falseAlarm.id, 'false-alarm', 'planned backfill', falseAlarm.subject, falseAlarm.statistic],
    ].sort());
    for (const r of stored) assert.equal(r.anomalyStart, r.id === incident.id ? incident.start : falseAlarm.start);
    // Straight from InfluxDB's HTTP API: the measurement, tags and fields of the contract.
    const q = `SELECT * FROM "alertiger_feedback" WHERE "namespace" = '${ns}'`;
    const raw = await (await fetch(`${env.influx.url}/query?db=${DATABASE}&epoch=ms&q=${encodeURIComponent(q)}`)).json() as { results: { series?: { columns: string[]; values: unknown[][] }[] }[] };
    const series = raw.results[0]!.series![0]!;
    assert.deepEqual([...series.columns].sort(), ['anomaly_start', 'category', 'id', 'monitor', 'namespace', 'note', 'statistic', 'subject', 'time', 'verdict']);
    assert.equal(series.values.length, 2);
    const times = series.values.map((v) => new Date(v[series.columns.indexOf('time')] as number).toISOString()).sort();
    assert.deepEqual(times, [incident.start, falseAlarm.start].sort(), 'time = the anomaly start');

    const monitor = await getMonitor(ns, NAME);
    const feedback = monitor.status?.feedback;
    assert.equal(feedback?.last30d.incidents, 1, JSON.stringify(feedback));
    assert.equal(feedback?.last30d.falseAlarms, 1);
    assert.equal(feedback?.last30d.precision, 0.5);
    assert.equal(feedback?.last90d.precision, 0.5);
    assert.deepEqual(feedback?.rejected, [{
      annotation: 'feedback.alertiger.io/0000000000', message: 'no anomaly has id 0000000000 (none open, none stored in the last 90 days)',
    }]);
    const key = `${falseAlarm.category}/${falseAlarm.subject}/${falseAlarm.statistic}`;
    assert.ok(monitor.status?.accepted?.some((a) => a.key === key), `the false alarm is accepted as the new normal: ${JSON.stringify(monitor.status?.accepted)}`);
    assert.ok(!(monitor.status?.anomalies ?? []).some((a) => `${a.category}/${a.subject}/${a.statistic}` === key), 'and no longer open');
    assert.ok((monitor.status?.anomalies ?? []).some((a) => a.id === incident.id || (a.subject === incident.subject && a.statistic === incident.statistic)), 'the incident stays open');

    // The id on the status is also found from the flagged points stored in InfluxDB alone (how an
    // anomaly that left the status is matched). (The accepted false alarm's newest points were
    // rescored as normal; its verdict counts from the stored feedback whatever its points say.)
    const store = new InfluxStatisticsStore({ namespace: ns, monitor: NAME }, { url: env.influx.url, database: DATABASE });
    const flagged = await store.readAnomalousDetections(new Date(start), new Date(start + 60 * DAY));
    assert.ok(flagged.length > 0 && flagged.every((p) => p.anomaly), `flagged points only: ${flagged.length}`);
    const storedIds = episodeIds({ namespace: ns, monitor: NAME }, episodesOf(flagged, DAY, 1));
    assert.ok(storedIds.has(incident.id!), 'the incident is a stored episode');

    // A third run changes nothing: the verdicts are stored once (same series, same time).
    const third = await runJob(at(40));
    assert.equal(third.code, 0, third.stdout + third.stderr);
    assert.equal((await readFeedback({ url: env.influx.url, database: DATABASE }, { namespace: ns, monitor: NAME })).length, 2);
    assert.equal((await getMonitor(ns, NAME)).status?.feedback?.last30d.precision, 0.5);
  });

  it("exports the precision and counts from the operator's /metrics", async () => {
    const series = (metric: string, extra = ''): string => `${metric}{namespace="${ns}",monitor="${NAME}"${extra}}`;
    const text = await waitFor('the precision on /metrics', async () => {
      const body = await (await fetch(`http://127.0.0.1:${op!.running.httpPort}/metrics`)).text();
      return body.includes(`${series('alertiger_alert_precision', ',window="30d"')} 0.5\n`) ? body : undefined;
    }, 60_000);
    assert.ok(text.includes(`${series('alertiger_alert_feedback', ',window="30d",verdict="incident"')} 1\n`), text);
    assert.ok(text.includes(`${series('alertiger_alert_feedback', ',window="30d",verdict="false_alarm"')} 1\n`), text);
    assert.ok(text.includes(`${series('alertiger_feedback_rejected')} 1\n`), text);
  });
});
