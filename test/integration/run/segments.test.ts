/**
 * Segments end to end (docs/segments.md) on the real servers: a ModelMonitor with
 * spec.schema.segments admitted by the real kube-apiserver (the CRD's rules), one `alertiger job`
 * (a separate process) reading a real public log (vega-datasets flights, test/fixtures/flights)
 * whose score drops for one origin only, the statistics in the real InfluxDB, the status applied
 * to the real API server, the alert in the real Alertmanager.
 *
 * The fault moves only ATL's score (about 4% of the rows): the whole population's statistics do
 * not see it (the same log with no segments configured raises nothing and names no segment),
 * while the segment series report it as confined to origin=ATL.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ModelMonitor } from '../../../operator/src/api/types.js';
import { alertiger, type CliResult } from '../../harness/cli.js';
import { buildFlightsLog, DAY_MS, type FlightsLog } from '../../fixtures/flights/build.js';
import { applyMonitor, getMonitor, kubectl, newNamespace, servers } from '../operator/helpers.js';

interface AmAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  status: { state: string };
}

const RUN_DAY = 60;
const FAULT = { origin: 'ATL', fromDay: 57, shift: -0.2 };

describe('segments end to end: a fault in one origin of a real flights log (real kube-apiserver, InfluxDB, Alertmanager)', function () {
  this.timeout(300_000);
  let dir: string;
  let log: FlightsLog;
  let env: Awaited<ReturnType<typeof servers>>;

  before(async () => {
    env = await servers();
    dir = mkdtempSync(join(tmpdir(), 'alertiger-segments-'));
    // One day more than the first run reads: the second run's window.
    log = await buildFlightsLog({ path: join(dir, 'flights.jsonl'), days: RUN_DAY + 1, fault: FAULT });
  });
  after(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  function spec(segments?: Array<{ column: string; topK?: number }>): Record<string, unknown> {
    return {
      model: { name: 'flight-delay' },
      source: { file: { path: log.path, format: 'jsonl' } },
      schema: { score: 'score', label: 'delayed', categorical: ['origin', 'destination'], task: 'classification', ...(segments !== undefined ? { segments } : {}) },
    };
  }

  function runJob(ns: string, name: string, day = RUN_DAY): Promise<CliResult> {
    const detector = process.env.ALERTIGER_TEST_DETECTOR;
    const runAt = new Date(log.start.getTime() + day * DAY_MS + 2 * 3_600_000).toISOString();
    return alertiger(['job', '--monitor', `${ns}/${name}`, '--now', runAt, '--kubeconfig', env.kube.kubeconfig, '--influx-url', env.influx.url,
      '--alertmanager-url', env.alertmanager.url, ...(detector !== undefined ? ['--detector', detector] : [])]);
  }

  async function alertsOf(ns: string, name: string): Promise<AmAlert[]> {
    const filters = [`monitor="${name}"`, `namespace="${ns}"`].map((f) => `filter=${encodeURIComponent(f)}`).join('&');
    const res = await fetch(`${env.alertmanager.url}/api/v2/alerts?${filters}`);
    return ((await res.json()) as AmAlert[]).filter((a) => a.status.state === 'active');
  }

  async function influx(q: string): Promise<unknown[][]> {
    const res = await fetch(`${env.influx.url}/query?db=alertiger&q=${encodeURIComponent(q)}`);
    const body = (await res.json()) as { results: Array<{ series?: Array<{ values: unknown[][] }> }> };
    return body.results[0].series?.[0]?.values ?? [];
  }

  async function influxSegments(ns: string, name: string): Promise<string[]> {
    const rows = await influx(`SHOW TAG VALUES FROM "model_health" WITH KEY = "segment" WHERE "namespace" = '${ns}' AND "monitor" = '${name}'`);
    return rows.map((v) => String(v[1])).sort();
  }

  /** The tracked values the store remembers (model_health_segments). */
  async function trackedValues(ns: string, name: string): Promise<string[]> {
    const rows = await influx(`SELECT "json" FROM "model_health_segments" WHERE "namespace" = '${ns}' AND "monitor" = '${name}' AND "column" = 'origin'`);
    return rows.length === 0 ? [] : (JSON.parse(String(rows[0][1])) as Array<{ value: string }>).map((v) => v.value);
  }

  it('refuses a segment column that is the score field, at admission', async () => {
    const ns = await newNamespace('seg-admit');
    const bad = await kubectl(['apply', '-f', '-'], {
      input: JSON.stringify({ apiVersion: 'alertiger.io/v1alpha1', kind: 'ModelMonitor', metadata: { name: 'bad', namespace: ns }, spec: spec([{ column: 'score' }]) }),
    });
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /segments column is the score field/);
    const tooMany = await kubectl(['apply', '-f', '-'], {
      input: JSON.stringify({ apiVersion: 'alertiger.io/v1alpha1', kind: 'ModelMonitor', metadata: { name: 'bad', namespace: ns }, spec: spec([{ column: 'origin', topK: 21 }]) }),
    });
    assert.notEqual(tooMany.code, 0);
    assert.match(tooMany.stderr, /topK/);
  });

  it('reports the drop as confined to origin=ATL in the status and the Alertmanager alert', async () => {
    const ns = await newNamespace('seg-e2e');
    await applyMonitor(ns, 'flights', spec([{ column: 'origin', topK: 5 }]));
    const result = await runJob(ns, 'flights');
    assert.equal(result.code, 0, result.stdout + result.stderr);

    const status = (await getMonitor(ns, 'flights')).status!;
    const named = (status.anomalies ?? []).filter((a) => a.segment !== undefined || a.segments !== undefined);
    const report = JSON.stringify(status.anomalies, null, 1);
    assert.ok(named.length > 0, `no segment anomaly: ${report}\n${result.stdout}${result.stderr}`);
    assert.ok(named.every((a) => a.segment === 'origin=ATL' && a.confined === true && a.subject.endsWith('[origin=ATL]')), report);
    const mean = named.find((a) => a.category === 'score' && a.statistic === 'mean');
    assert.ok(mean !== undefined && mean.observed < mean.expected, report);
    assert.equal(status.health, 'Anomalous');
    const healthy = status.conditions?.find((c) => c.type === 'Healthy');
    assert.match(healthy?.message ?? '', /dropped in segment origin=ATL only/);

    const alerts = await alertsOf(ns, 'flights');
    const atl = alerts.find((a) => a.labels.segment === 'origin=ATL' && a.labels.statistic === 'mean');
    assert.ok(atl !== undefined, JSON.stringify(alerts, null, 1));
    assert.equal(atl.labels.subject, 'score[origin=ATL]');
    assert.match(atl.annotations.summary, /score mean dropped in segment origin=ATL only/);

    // Stored with a segment tag: the five busiest origins and the pool (docs/segments.md).
    const top5 = log.origins.slice(0, 5).map(([o]) => `origin=${o}`);
    assert.deepEqual(await influxSegments(ns, 'flights'), [...top5, 'origin=(other)'].sort());
    const tracked = await trackedValues(ns, 'flights');
    assert.deepEqual(tracked.map((o) => `origin=${o}`), [...top5].sort());

    // The next day's run reads the remembered choice back and still finds the fault confined to ATL.
    const next = await runJob(ns, 'flights', RUN_DAY + 1);
    assert.equal(next.code, 0, next.stdout + next.stderr);
    const later = (await getMonitor(ns, 'flights')).status!;
    assert.equal(later.lastWindowEnd, new Date(log.start.getTime() + (RUN_DAY + 1) * DAY_MS).toISOString());
    const again = (later.anomalies ?? []).find((a) => a.segment === 'origin=ATL' && a.statistic === 'mean');
    assert.ok(again?.confined === true, JSON.stringify(later.anomalies, null, 1));
    assert.deepEqual(await trackedValues(ns, 'flights'), tracked);
  });

  it('names no segment for the same log with no segments configured (the population does not see the fault)', async () => {
    const ns = await newNamespace('seg-none');
    await applyMonitor(ns, 'flights', spec());
    const result = await runJob(ns, 'flights');
    assert.equal(result.code, 0, result.stdout + result.stderr);
    const monitor: ModelMonitor = await getMonitor(ns, 'flights');
    const anomalies = monitor.status?.anomalies ?? [];
    assert.ok(anomalies.every((a) => a.segment === undefined && a.segments === undefined && !a.subject.includes('[')), JSON.stringify(anomalies));
    assert.ok(!anomalies.some((a) => a.category === 'score' && a.statistic === 'mean'), `the population mean is not anomalous: ${JSON.stringify(anomalies)}`);
    assert.ok((await alertsOf(ns, 'flights')).every((a) => a.labels.segment === undefined));
    assert.deepEqual(await influxSegments(ns, 'flights'), []);
  });
});
