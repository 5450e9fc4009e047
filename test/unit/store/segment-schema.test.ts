import assert from 'node:assert/strict';
import { detectionPoints, statisticsPoints } from '../../../operator/src/store/schema.js';
import { parseSegmentChoices, segmentPoints, segmentsQuery } from '../../../operator/src/store/segment-schema.js';

const key = { namespace: 'ns', monitor: 'flights' };
const window = { start: new Date(86_400_000), end: new Date(2 * 86_400_000) };

describe('store: segments', () => {
  it('tags a segment series with its segment and leaves population series untagged', () => {
    const points = statisticsPoints(key, [{
      window, rows: 10,
      values: [
        { category: 'score', subject: 'score', statistic: 'mean', value: 0.5 },
        { category: 'score', subject: 'score[origin=ATL]', statistic: 'mean', value: 0.2 },
        { category: 'feature', subject: 'tags[k=v]', statistic: 'mean', value: 1 },
      ],
    }]);
    assert.deepEqual(points.map((p) => p.tags), [
      { namespace: 'ns', monitor: 'flights', category: 'score', subject: 'score' },
      { namespace: 'ns', monitor: 'flights', category: 'score', subject: 'score[origin=ATL]', segment: 'origin=ATL' },
      { namespace: 'ns', monitor: 'flights', category: 'feature', subject: 'tags[k=v]' },
    ]);
    const detections = detectionPoints(key, [{ category: 'score', subject: 'score[origin=(other)]', statistic: 'mean', time: 0, observed: 1, baseline: 1, lower: 0, upper: 2, score: 0, severity: 0, anomaly: false }]);
    assert.equal(detections[0].tags!.segment, 'origin=(other)');
  });

  it('stores the top-K choice as one point per column and reads it back', () => {
    const choices = [{ column: 'origin', values: [{ value: 'ATL', lastSeen: 86_400_000 }, { value: 'ORD', lastSeen: 0 }] }];
    const [point] = segmentPoints(key, choices);
    assert.equal(point.measurement, 'model_health_segments');
    assert.deepEqual(point.tags, { namespace: 'ns', monitor: 'flights', column: 'origin' });
    assert.match(segmentsQuery(key), /FROM "model_health_segments" WHERE .* GROUP BY "column"/);
    const raw = { results: [{ series: [{ name: 'model_health_segments', tags: { column: 'origin' }, columns: ['time', 'json'], values: [[0, point.fields!.json]] }] }] };
    assert.deepEqual(parseSegmentChoices(raw), choices);
    assert.equal(parseSegmentChoices({ results: [{}] }), undefined, 'nothing stored yet');
  });
});
