import assert from 'node:assert/strict';
import { alertFor } from '../../../operator/src/alerting/payload.js';
import type { AnomalyStatus, ModelMonitor } from '../../../operator/src/api/types.js';

const monitor: ModelMonitor = {
  apiVersion: 'alertiger.io/v1alpha1', kind: 'ModelMonitor', metadata: { name: 'flights', namespace: 'ns' },
  spec: { model: { name: 'flight-delay' }, source: { file: { path: '/x.jsonl' } }, alerting: { labels: { segment: 'mine' } } },
};
const base: AnomalyStatus = {
  category: 'score', subject: 'score', statistic: 'mean', start: '2026-03-03T00:00:00.000Z', severity: 2.5, score: 0.9, observed: 0.17, expected: 0.35, lower: 0.3, upper: 0.4,
};
const options = { now: new Date('2026-03-06T00:00:00Z'), endsAfterMs: 3_600_000 };

describe('alerts of segment anomalies', () => {
  it('labels a segment anomaly with its segment and says it is confined', () => {
    const alert = alertFor(monitor, { ...base, subject: 'score[origin=ATL]', segment: 'origin=ATL', confined: true }, options);
    assert.equal(alert.labels.subject, 'score[origin=ATL]');
    assert.equal(alert.labels.segment, 'origin=ATL', 'the segment, not the spec label of the same name');
    assert.equal(alert.annotations.summary, 'ns/flights: score mean dropped in segment origin=ATL only: 0.17, expected 0.35');
  });

  it('lists the grouped segments on a population anomaly', () => {
    const alert = alertFor(monitor, { ...base, segments: ['origin=ATL', 'origin=ORD'] }, options);
    assert.equal(alert.labels.subject, 'score');
    assert.equal(alert.labels.segment, 'mine', 'no segment of its own: the spec label stays');
    assert.equal(alert.annotations.summary, 'ns/flights: score mean dropped in 2 segments: origin=ATL, origin=ORD: 0.17, expected 0.35');
  });

  it('leaves the alert of a population anomaly without segments as it was', () => {
    const alert = alertFor(monitor, base, options);
    assert.equal(alert.annotations.summary, 'ns/flights: score score: mean is 0.17, expected 0.35');
  });
});
