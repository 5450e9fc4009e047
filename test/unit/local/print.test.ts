import assert from 'node:assert/strict';
import type { ModelMonitor } from '../../../operator/src/api/types.js';
import { formatAnomalies, formatGetMonitors, humanDuration } from '../../../operator/src/local/print.js';

describe('humanDuration', () => {
  const cases: Array<[number, string]> = [[5_000, '5s'], [119_000, '119s'], [200_000, '3m20s'], [3 * 3600_000, '3h'], [5.5 * 3600_000, '5h30m'], [30 * 3600_000, '30h'], [3 * 86_400_000 + 4 * 3600_000, '3d4h'], [40 * 86_400_000, '40d']];
  for (const [ms, text] of cases) it(`prints ${ms} ms as ${text}, as kubectl does`, () => assert.equal(humanDuration(ms), text));
});

describe('formatGetMonitors', () => {
  it('prints the printer columns of the CRD', () => {
    const monitor = { apiVersion: 'alertiger.io/v1alpha1', kind: 'ModelMonitor', metadata: { name: 'feed-ranker', namespace: 'ml' }, spec: { model: { name: 'ranker' }, source: {} } } as ModelMonitor;
    const text = formatGetMonitors([{ monitor, status: { health: 'Anomalous', anomalyCount: 2, lastRunTime: '2026-03-01T02:15:00Z' }, created: '2026-02-01T02:15:00Z' }], new Date('2026-03-01T02:20:00Z'));
    assert.equal(text, [
      'NAME          MODEL    HEALTH      ANOMALIES   LAST RUN   AGE',
      'feed-ranker   ranker   Anomalous   2           5m         28d',
    ].join('\n'));
  });
});

describe('formatAnomalies', () => {
  it('says so when nothing is open', () => assert.equal(formatAnomalies({ anomalies: [] }), 'No open anomalies.'));

  it('lists observed against the band and mentions anomalies beyond the status list', () => {
    const text = formatAnomalies({
      anomalyCount: 3,
      anomalies: [{ category: 'feature', subject: 'age', statistic: 'mean', start: '2026-03-01T00:00:00Z', severity: 2.5, score: 0.91, observed: 51, expected: 38.2, lower: 35, upper: 41.5 }],
    });
    assert.match(text, /^CATEGORY\s+SUBJECT\s+STATISTIC\s+OBSERVED\s+EXPECTED\s+BAND\s+SEVERITY\s+SCORE\s+SINCE\n/);
    assert.match(text, /feature\s+age\s+mean\s+51\s+38\.2\s+\[35, 41\.5\]\s+2\.5\s+0\.91\s+2026-03-01 00:00/);
    assert.match(text, /\(2 more in the report\)$/);
  });

  it('shows the feedback id, and says where a segment anomaly is and which rollout it followed', () => {
    const text = formatAnomalies({
      anomalies: [
        { id: 'a1b2c3d4e5', category: 'score', subject: 'score[origin=ATL]', statistic: 'mean', start: '2026-03-01T00:00:00Z', severity: 3, score: 0.9, observed: 0.2, expected: 0.5, lower: 0.45, upper: 0.55, segment: 'origin=ATL', confined: true,
          rollout: { revision: 3, time: '2026-02-28T02:00:00Z', message: 'started 22 h after revision 3: image ranker:1.1 -> ranker:1.2' } },
        { id: 'f0e1d2c3b4', category: 'feature', subject: 'age', statistic: 'mean', start: '2026-03-01T00:00:00Z', severity: 2, score: 0.8, observed: 51, expected: 38, lower: 35, upper: 41 },
      ],
    });
    assert.match(text, /^ID\s+CATEGORY\s+SUBJECT/);
    assert.match(text, /^a1b2c3d4e5\s+score\s+score\[origin=ATL\]\s+mean/m);
    assert.match(text, /^f0e1d2c3b4\s+feature\s+age\s+mean/m);
    assert.match(text, /\na1b2c3d4e5: score mean dropped in segment origin=ATL only; started 22 h after revision 3: image ranker:1\.1 -> ranker:1\.2$/);
    assert.doesNotMatch(text, /\nf0e1d2c3b4:/, 'a population anomaly without a rollout needs no note');
  });
});
