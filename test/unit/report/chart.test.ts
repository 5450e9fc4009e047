import assert from 'node:assert/strict';
import { CHART, renderChart } from '../../../operator/src/report/chart.js';
import type { ReportSeries } from '../../../operator/src/report/index.js';

function flat(n: number, overrides: Partial<ReportSeries> = {}): ReportSeries {
  const time = Array.from({ length: n }, (_, i) => new Date(Date.parse('2026-01-05T00:00:00Z') + i * 86_400_000).toISOString());
  return {
    time,
    observed: time.map((_, i) => 10 + (i % 3)),
    baseline: time.map(() => 11),
    lower: time.map(() => 9),
    upper: time.map(() => 13),
    score: time.map(() => 0.1),
    flagged: time.map(() => false),
    ...overrides,
  };
}

const count = (svg: string, re: RegExp): number => (svg.match(re) ?? []).length;

describe('renderChart', () => {
  it('draws the band, the baseline, the observed line, a point per value and a score bar per score', () => {
    const { svg } = renderChart(flat(10), { id: 'c', title: 't' });
    assert.equal(count(svg, /class="band"/g), 1);
    assert.equal(count(svg, /class="baseline"/g), 1);
    assert.equal(count(svg, /class="observed"/g), 1);
    assert.equal(count(svg, /<circle class="point"/g), 10);
    assert.equal(count(svg, /class="score-bar"/g), 10);
  });

  it('marks each flagged point with a red circle, a tinted column and a red score bar', () => {
    const s = flat(10, { flagged: [false, false, false, false, false, false, false, false, true, true] });
    const { svg } = renderChart(s, { id: 'c', title: 't' });
    assert.equal(count(svg, /<circle class="flagged"/g), 2);
    assert.equal(count(svg, /class="flag-col"/g), 2);
    assert.equal(count(svg, /score-bar flagged-bar/g), 2);
    assert.equal(count(svg, /<circle class="point"/g), 8);
  });

  it('breaks the lines and the band where values are missing', () => {
    const s = flat(10);
    s.observed[4] = null;
    s.lower[7] = null;
    const { svg, hover } = renderChart(s, { id: 'c', title: 't' });
    const observed = /class="observed" d="([^"]+)"/.exec(svg)?.[1] ?? '';
    assert.equal(count(observed, /M/g), 2);
    const band = /class="band" d="([^"]+)"/.exec(svg)?.[1] ?? '';
    assert.equal(count(band, /Z/g), 2);
    assert.equal(hover.o[4], null);
  });

  it('places points by time, so a missing window leaves a gap on the x axis', () => {
    const s = flat(3);
    s.time = ['2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z', '2026-01-05T00:00:00Z'];
    const { hover } = renderChart(s, { id: 'c', title: 't' });
    const inner = CHART.width - CHART.left - CHART.right;
    assert.deepEqual(hover.x, [CHART.left, CHART.left + inner / 4, CHART.left + inner]);
    assert.deepEqual(hover.t, ['2026-01-01', '2026-01-02', '2026-01-05']);
  });

  it('keeps every point inside the plot when the series is flat', () => {
    const s = flat(5, { observed: [5, 5, 5, 5, 5], baseline: [5, 5, 5, 5, 5], lower: [5, 5, 5, 5, 5], upper: [5, 5, 5, 5, 5] });
    const { svg } = renderChart(s, { id: 'c', title: 't' });
    for (const m of svg.matchAll(/cy="([\d.]+)"/g)) {
      const cy = Number(m[1]);
      assert.ok(cy > CHART.top && cy < CHART.top + CHART.mainHeight, `cy ${cy}`);
    }
  });

  it('draws the threshold line on the score panel when given', () => {
    assert.match(renderChart(flat(4), { id: 'c', title: 't', threshold: 0.2 }).svg, /threshold 0\.2 \(dashed\)[\s\S]*class="threshold"/);
    assert.doesNotMatch(renderChart(flat(4), { id: 'c', title: 't' }).svg, /class="threshold"/);
  });
});
