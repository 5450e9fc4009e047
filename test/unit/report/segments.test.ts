import assert from 'node:assert/strict';
import { renderReport } from '../../../operator/src/report/render.js';
import type { ReportAnomaly } from '../../../operator/src/report/types.js';

const series = { time: ['2026-03-05T00:00:00.000Z'], observed: [0.17], baseline: [0.35], lower: [0.3], upper: [0.4], score: [0.9], flagged: [true] };
const anomaly: ReportAnomaly = {
  category: 'score', subject: 'score[origin=ATL]', statistic: 'mean', severity: 2.5, score: 0.9, start: '2026-03-03T00:00:00.000Z',
  observed: 0.17, expected: 0.35, lower: 0.3, upper: 0.4, series,
};
const monitor = { namespace: 'ns', name: 'flights', model: 'flight-delay', health: 'Anomalous' };

describe('report: segment anomalies', () => {
  it('says on the page that the anomaly is confined to its segment', () => {
    const html = renderReport({ monitor, anomalies: [{ ...anomaly, segment: 'origin=ATL', confined: true }], runs: [] });
    assert.match(html, /<p class="segment">score mean dropped in segment origin=ATL only<\/p>/);
  });

  it('adds no segment line to a population anomaly', () => {
    const html = renderReport({ monitor, anomalies: [{ ...anomaly, subject: 'score' }], runs: [] });
    assert.doesNotMatch(html, /class="segment"/);
  });
});
