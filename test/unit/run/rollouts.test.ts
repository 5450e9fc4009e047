import assert from 'node:assert/strict';
import type { AnomalyStatus, ModelMonitor, Rollout } from '../../../operator/src/api/types.js';
import { alertsForStatus } from '../../../operator/src/alerting/payload.js';
import {
  describeRollout, formatDelay, imageChange, observeWorkload, rolloutBefore, routingLabels, withRollouts, workloadRefOf,
} from '../../../operator/src/run/rollouts.js';
import { silentLogger } from '../../../operator/src/log.js';
import { buildReportData } from '../../../operator/src/report/data.js';
import { renderReport } from '../../../operator/src/report/render.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runMonitor } from '../../../operator/src/run/run.js';
import type { RunDeps, StatValue } from '../../../operator/src/run/ports.js';
import { embeddedStore } from '../../../operator/src/store/embedded.js';
import { observed, unread } from '../../../operator/src/k8s/workload.js';
import { KubeApiError } from '../../../operator/src/k8s/errors.js';
import { bandDetector, functionStatistics, recordingAlerts, recordingStatus, wobble } from './fakes.js';

const H = 3_600_000;
const DAY = 24 * H;
const day0 = Date.parse('2026-11-20T00:00:00Z');
const iso = (ms: number): string => new Date(ms).toISOString();

function rollout(revision: number, time: number, image: string, container = 'server'): Rollout {
  return { revision, time: iso(time), images: [{ container, image }] };
}

const rollouts: Rollout[] = [
  rollout(12, day0 - 20 * DAY, 'ranker:1.3'),
  rollout(13, day0 - 9 * DAY, 'ranker:1.4'),
  rollout(14, day0 + 14 * H, 'ranker:1.5'),
];

function anomaly(start: number, over: Partial<AnomalyStatus> = {}): AnomalyStatus {
  return {
    category: 'feature', subject: 'age', statistic: 'mean', start: iso(start),
    severity: 2.4, score: 0.93, observed: 51, expected: 38.2, lower: 35, upper: 41.5, ...over,
  };
}

describe('rolloutBefore (the rule: rolled out before the first window ends, at most a window-length before it starts)', () => {
  const cases: { name: string; start: number; granularity: '1d' | '1h'; revision?: number }[] = [
    { name: 'links a daily anomaly starting the day after a rollout (10 h after it)', start: day0 + DAY, granularity: '1d', revision: 14 },
    { name: 'links a daily anomaly whose first window holds the rollout (rolled out mid-window)', start: day0, granularity: '1d', revision: 14 },
    { name: 'links nothing to a daily anomaly starting 34 h after the rollout', start: day0 + 2 * DAY, granularity: '1d' },
    { name: 'links nothing to an anomaly whose first window ended before the rollout', start: day0 - DAY, granularity: '1d' },
    { name: 'links an hourly anomaly starting 2 h after a rollout', start: day0 + 16 * H, granularity: '1h', revision: 14 },
    { name: 'links an hourly anomaly starting exactly 6 h after a rollout', start: day0 + 20 * H, granularity: '1h', revision: 14 },
    { name: 'links nothing to an hourly anomaly starting 7 h after a rollout', start: day0 + 21 * H, granularity: '1h' },
    { name: 'links nothing to an hourly anomaly in the hour before the rollout', start: day0 + 13 * H, granularity: '1h' },
    { name: 'links an hourly anomaly whose first hour holds the rollout', start: day0 + 14 * H, granularity: '1h', revision: 14 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.equal(rolloutBefore(rollouts, c.start, c.granularity)?.revision, c.revision);
    });
  }

  it('picks the newest of two rollouts in reach', () => {
    const two = [rollout(3, day0 + 2 * H, 'a:1'), rollout(4, day0 + 5 * H, 'a:2')];
    assert.equal(rolloutBefore(two, day0 + 8 * H, '1h')?.revision, 4);
    assert.equal(rolloutBefore([...two].reverse(), day0 + 8 * H, '1h')?.revision, 4);
  });
});

describe('rollout messages', () => {
  it('says when, which revision and which image changed', () => {
    const linked = describeRollout(rollouts, rollouts[2], day0 + DAY);
    assert.deepEqual(linked, { revision: 14, time: '2026-11-20T14:00:00.000Z', message: 'started 10 h after revision 14: image ranker:1.4 -> ranker:1.5' });
  });

  it('says a rollout inside the first anomalous window came with it', () => {
    assert.equal(describeRollout(rollouts, rollouts[2], day0).message,
      'started in the window in which revision 14 rolled out (2026-11-20T14:00:00.000Z): image ranker:1.4 -> ranker:1.5');
  });

  const changes: { name: string; before?: Rollout['images']; after: Rollout['images']; text: string }[] = [
    { name: 'one container', before: [{ container: 'a', image: 'x' }], after: [{ container: 'a', image: 'y' }], text: 'image x -> y' },
    { name: 'no earlier revision', after: [{ container: 'a', image: 'y' }], text: 'image y' },
    { name: 'no image changed', before: [{ container: 'a', image: 'x' }], after: [{ container: 'a', image: 'x' }], text: 'same images' },
    {
      name: 'one of two containers',
      before: [{ container: 'app', image: 'x' }, { container: 'proxy', image: 'p:1' }],
      after: [{ container: 'app', image: 'x' }, { container: 'proxy', image: 'p:2' }],
      text: 'image proxy: p:1 -> p:2',
    },
    {
      name: 'two containers and a new one',
      before: [{ container: 'app', image: 'x' }],
      after: [{ container: 'app', image: 'y' }, { container: 'log', image: 'l:1' }],
      text: 'images app: x -> y, log: (new container) -> l:1',
    },
  ];
  for (const c of changes) {
    it(`names the image change: ${c.name}`, () => assert.equal(imageChange(c.before, c.after), c.text));
  }

  it('formats delays for a pager', () => {
    assert.deepEqual([0, 45 * 60_000, 2 * H + 59 * 60_000, 47 * H, 50 * H].map(formatDelay), ['0 min', '45 min', '2 h', '47 h', '2 d']);
  });
});

describe('withRollouts', () => {
  it('links each anomaly to its rollout and drops a stale link', () => {
    const stale = { revision: 9, time: iso(day0 - 40 * DAY), message: 'old' };
    const out = withRollouts([anomaly(day0 + DAY), anomaly(day0 + 3 * DAY, { subject: 'country', rollout: stale })], rollouts, '1d');
    assert.equal(out[0].rollout?.message, 'started 10 h after revision 14: image ranker:1.4 -> ranker:1.5');
    assert.equal(out[1].rollout, undefined, 'a fault with no rollout nearby says nothing about rollouts');
    assert.ok(!('rollout' in out[1]));
  });
});

describe('workload reference and routing labels', () => {
  it('reads deploymentRef as a Deployment, and prefers workloadRef', () => {
    assert.deepEqual(workloadRefOf({ name: 'm', deploymentRef: { name: 'ranker' } }), { kind: 'Deployment', name: 'ranker' });
    assert.deepEqual(workloadRefOf({ name: 'm', workloadRef: { kind: 'StatefulSet', name: 'ranker' } }), { kind: 'StatefulSet', name: 'ranker' });
    assert.equal(workloadRefOf({ name: 'm' }), undefined);
  });

  it('keeps only the team and owner labels, and only non-empty ones', () => {
    assert.deepEqual(routingLabels({ team: 'feed', owner: 'ana', app: 'ranker', 'pod-template-hash': 'x' }), { team: 'feed', owner: 'ana' });
    assert.deepEqual(routingLabels({ team: '', owner: 'ana' }), { owner: 'ana' });
    assert.equal(routingLabels({ app: 'ranker' }), undefined);
    assert.equal(routingLabels(undefined), undefined);
  });

  function monitor(specLabels: Record<string, string> | undefined, anomalies: AnomalyStatus[]): ModelMonitor {
    return {
      apiVersion: 'alertiger.io/v1alpha1', kind: 'ModelMonitor', metadata: { name: 'ranker', namespace: 'ml' },
      spec: { model: { name: 'ranker', workloadRef: { kind: 'Deployment', name: 'ranker' } }, source: { file: { path: '/x.jsonl' } }, alerting: { labels: specLabels } },
      status: { anomalies, workload: { kind: 'Deployment', name: 'ranker', labels: { team: 'feed', owner: 'ana' } } },
    };
  }
  const options = { now: new Date(day0 + 2 * DAY), endsAfterMs: DAY };

  it('puts the workload labels on alerts unless the spec sets them ("" included)', () => {
    const [inherited] = alertsForStatus(monitor(undefined, [anomaly(day0)]), options);
    assert.equal(inherited.labels.team, 'feed');
    assert.equal(inherited.labels.owner, 'ana');
    const [overridden] = alertsForStatus(monitor({ team: 'search', owner: '' }, [anomaly(day0)]), options);
    assert.equal(overridden.labels.team, 'search');
    assert.equal(overridden.labels.owner, undefined);
  });

  it('adds the rollout sentence as the alert annotation "rollout", and none without one', () => {
    const [linked, plain] = alertsForStatus(monitor(undefined, withRollouts([anomaly(day0 + DAY), anomaly(day0 + 5 * DAY, { subject: 'x' })], rollouts, '1d')), options);
    assert.equal(linked.annotations.rollout, 'started 10 h after revision 14: image ranker:1.4 -> ranker:1.5');
    assert.equal(plain.annotations.rollout, undefined);
    // The summary, what most receivers show first, ends with the rollout; the plain one does not.
    assert.match(linked.annotations.summary!, /\(started 10 h after revision 14: image ranker:1\.4 -> ranker:1\.5\)$/);
    assert.doesNotMatch(plain.annotations.summary!, /revision/);
  });
});

describe('observeWorkload', () => {
  it('reads nothing without a reference', async () => {
    let calls = 0;
    const read = async () => {
      calls++;
      return { status: { kind: 'Deployment' as const, name: 'x' }, rollouts: [] };
    };
    assert.equal(await observeWorkload({ name: 'm' }, read, silentLogger), undefined);
    assert.equal(calls, 0);
  });

  it('turns a reader that throws into a status that says why, and does not throw', async () => {
    const seen = await observeWorkload({ name: 'm', deploymentRef: { name: 'ranker' } }, () => Promise.reject(new Error('boom')), silentLogger);
    assert.deepEqual(seen, { status: { kind: 'Deployment', name: 'ranker', reason: 'Unreadable', message: 'boom' }, rollouts: [] });
  });
});

describe('the report of a rollout-linked anomaly', () => {
  it('carries the rollout sentence from the status to the page, escaped, and nothing without one', async () => {
    const linked = withRollouts([anomaly(day0 + DAY), anomaly(day0 + 5 * DAY, { subject: 'country' })], [
      ...rollouts, { revision: 15, time: iso(day0 - 60 * DAY), images: [{ container: 'server', image: 'ranker:<1.6>' }] },
    ], '1d');
    const m: ModelMonitor = {
      apiVersion: 'alertiger.io/v1alpha1', kind: 'ModelMonitor', metadata: { name: 'ranker', namespace: 'ml' },
      spec: { model: { name: 'ranker' }, source: { file: { path: '/x.jsonl' } } },
    };
    const source = { readHistory: async () => [], readDetections: async () => [] };
    const data = await buildReportData(m, { health: 'Anomalous', anomalies: linked }, source, { now: new Date(day0 + 6 * DAY) });
    assert.deepEqual(data.anomalies.map((a) => a.rollout), ['started 10 h after revision 14: image ranker:1.4 -> ranker:1.5', undefined]);
    const html = renderReport(data);
    assert.ok(html.includes('<p class="rollout">Rollout: started 10 h after revision 14: image ranker:1.4 -&gt; ranker:1.5</p>'), 'the page says it');
    assert.equal(html.match(/class="rollout"/g)?.length, 1, 'only the linked anomaly');
  });
});

describe('rollout message bounds', () => {
  it('keeps the sentence within the CRD bound (1024) however many containers changed', () => {
    const images = (tag: string) => Array.from({ length: 20 }, (_, i) => ({ container: `container-${i}`, image: `registry.example.com/team/very-long-image-name-${i}:${tag}` }));
    const many: Rollout[] = [{ revision: 1, time: iso(day0 - DAY), images: images('1') }, { revision: 2, time: iso(day0), images: images('2') }];
    const message = describeRollout(many, many[1], day0 + H).message;
    assert.equal(message.length, 1024);
    assert.ok(message.startsWith('started 1 h after revision 2: images container-0: '));
    assert.ok(message.endsWith('…'));
  });
});

describe('runMonitor with a workload', () => {
  const t0 = Date.parse('2026-03-01T00:00:00Z');
  const at = (n: number): Date => new Date(t0 + n * DAY + 2 * H);
  // Feature age's mean jumps from day 38 on; the first run (day 40) backfills and finds it open.
  const values = (t: number): StatValue[] => [
    { category: 'feature', subject: 'age', statistic: 'mean', value: (t >= t0 + 38 * DAY ? 60 : 40) + wobble(t) },
    { category: 'feature', subject: 'tenure', statistic: 'mean', value: 300 + wobble(t) },
  ];
  const ranker: ModelMonitor = {
    apiVersion: 'alertiger.io/v1alpha1', kind: 'ModelMonitor', metadata: { name: 'ranker', namespace: 'ml' },
    spec: { model: { name: 'ranker', workloadRef: { kind: 'Deployment', name: 'ranker' } }, source: { file: { path: '/x.jsonl' } } },
  };
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'alertiger-rollouts-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function runWith(workload: RunDeps['workload']) {
    const deps = {
      statistics: functionStatistics(values), store: embeddedStore(dir, ranker), detector: bandDetector, status: recordingStatus(), alerts: recordingAlerts(),
      clock: () => at(40), logger: silentLogger, alertmanagerUrl: 'http://am:9093', sleep: async () => undefined, workload,
    };
    return { result: await runMonitor(ranker, deps), deps };
  }

  it('links the open anomaly to the rollout before it, writes the workload on the status and routes the alert by its team', async () => {
    const seen = observed({ kind: 'Deployment', name: 'ranker' }, { metadata: { labels: { team: 'feed' } } }, [
      { revision: 6, time: iso(t0 + 30 * DAY), images: [{ container: 'server', image: 'ranker:1.0' }] },
      { revision: 7, time: iso(t0 + 37 * DAY + 15 * H), images: [{ container: 'server', image: 'ranker:1.1' }] },
    ]);
    const { result, deps } = await runWith(async () => seen);
    const age = result.status.anomalies.find((a) => a.subject === 'age');
    assert.ok(age !== undefined, JSON.stringify(result.status.anomalies));
    assert.equal(age.start, iso(t0 + 38 * DAY));
    assert.equal(age.rollout?.message, 'started 9 h after revision 7: image ranker:1.0 -> ranker:1.1');
    assert.deepEqual(result.status.workload, seen.status);
    const alert = deps.alerts.posts[0]?.alerts.find((a) => a.labels.subject === 'age');
    assert.equal(alert?.labels.team, 'feed');
    assert.equal(alert?.annotations.rollout, age.rollout?.message);
  });

  it('runs on when the workload cannot be read: no rollout, the status says why', async () => {
    const { result } = await runWith(async (ref) => unread(ref, 'ml', new KubeApiError(403, 'replicasets.apps is forbidden')));
    assert.equal(result.error, undefined);
    assert.equal(result.status.conditions.find((c) => c.type === 'LastRunSucceeded')?.status, 'True');
    assert.equal(result.status.workload?.reason, 'Forbidden');
    assert.ok(result.status.anomalies.length > 0 && result.status.anomalies.every((a) => a.rollout === undefined));
  });
});
