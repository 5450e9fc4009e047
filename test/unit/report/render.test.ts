import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { rankAnomalies, renderReport, type ReportData } from '../../../operator/src/report/index.js';
import { assertGoldenText } from '../../harness/golden.js';
import { healthyReport, sampleReport, series } from './sample.js';

const scripts = (html: string): string[] => [...html.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1]);

describe('renderReport', () => {
  it('renders the anomalous sample exactly as the golden page', () => {
    assertGoldenText('report/anomalous.html', renderReport(sampleReport()));
  });

  it('renders the healthy sample exactly as the golden page', () => {
    assertGoldenText('report/healthy.html', renderReport(healthyReport()));
  });

  it('says how many series were scored, why a monitor is not Healthy, and the data problems', () => {
    const data = healthyReport();
    data.monitor = {
      ...data.monitor, health: 'Unknown', scoredSeries: 1, totalSeries: 161,
      healthMessage: 'Scored 1 of 161 series, none anomalous', dataProblems: '40 corrupt lines (first: line 17 bad JSON)',
    };
    const html = renderReport(data);
    assert.match(html, /Series scored <b>1 of 161<\/b>/);
    assert.match(html, /<p>Scored 1 of 161 series, none anomalous<\/p>/);
    assert.match(html, /Data quality: 40 corrupt lines \(first: line 17 bad JSON\)/);
  });

  it('shows the backtest at creation and the alert precision from feedback, escaped', () => {
    const data = healthyReport();
    data.monitor = {
      ...data.monitor, precision30d: 0.75,
      backtest: 'Replayed over 8 weeks of history, this monitor would have raised 9 alerts (1.13 a week) at sensitivity medium; sensitivity low would give <0.88> a week',
    };
    const html = renderReport(data);
    assert.match(html, /Alert precision, 30 days <b>0\.75<\/b>/);
    assert.match(html, /<p class="notice">Backtest at creation: Replayed over 8 weeks of history, .* would give &lt;0\.88&gt; a week\.<\/p>/);
    // Neither appears when the status has neither.
    assert.doesNotMatch(renderReport(healthyReport()), /Backtest at creation|Alert precision/);
  });

  it('is deterministic: the same data gives the same bytes', () => {
    assert.equal(renderReport(sampleReport()), renderReport(sampleReport()));
  });

  it('puts model-level anomalies first, then the rest by severity', () => {
    const html = renderReport(sampleReport());
    const order = [...html.matchAll(/<code>([^<]+)<\/code> · <span>([^<]+)<\/span>/g)].map((m) => `${m[1]} ${m[2]}`);
    assert.deepEqual(order, [
      'model/feed-ranker anomalous_feature_share',
      'feature/purchase_amount missing_rate',
      'feature/age mean',
      'score/score p50',
    ]);
    assert.match(html, /ModelInputShift/);
    assert.match(html, /Moved together \(3\)/);
  });

  it('ranks ties by score and then by name, without changing the input', () => {
    const base = sampleReport().anomalies[0];
    const input = [
      { ...base, subject: 'feature/b', severity: 2, score: 0.5 },
      { ...base, subject: 'feature/a', severity: 2, score: 0.5 },
      { ...base, subject: 'feature/c', severity: 2, score: 0.9 },
    ];
    assert.deepEqual(rankAnomalies(input).map((a) => a.subject), ['feature/c', 'feature/a', 'feature/b']);
    assert.equal(input[0].subject, 'feature/b');
  });

  it('shows the header facts, a critical badge from severity 2, and the runs newest first', () => {
    const html = renderReport(sampleReport());
    assert.match(html, /<h1><span class="ns">ml-prod\/<\/span>feed-ranker<\/h1>/);
    assert.match(html, /<span class="badge Anomalous">Anomalous<\/span>/);
    assert.match(html, /Version <b>2026-11-20<\/b>/);
    assert.match(html, /Last run <b><time datetime="2026-02-18T02:15:07Z" data-rel>2026-02-18 02:15 UTC<\/time>/);
    assert.equal((html.match(/badge critical/g) ?? []).length, 3);
    assert.equal((html.match(/badge warning/g) ?? []).length, 1);
    const runTimes = [...html.matchAll(/<tr><td class="when"><time datetime="([^"]+)"/g)].map((m) => m[1]);
    assert.deepEqual(runTimes, ['2026-02-18T02:15:07Z', '2026-02-17T02:15:03Z', '2026-02-16T02:15:04Z', '2026-02-15T02:15:05Z']);
    assert.match(html, /InfluxUnavailable: connect ECONNREFUSED/);
  });

  it('shows an empty state that fits the health when there is no anomaly', () => {
    const cases: Array<[string, RegExp]> = [
      ['Healthy', /No open anomalies/],
      ['Unknown', /Not enough history yet/],
      ['Failed', /The last run failed/],
    ];
    for (const [health, text] of cases) {
      const data = healthyReport();
      const html = renderReport({ ...data, monitor: { ...data.monitor, health } });
      assert.match(html, text, health);
      assert.doesNotMatch(html, /<svg/, health);
    }
  });

  it('says when a monitor is in shadow mode and sends no alerts', () => {
    const data = sampleReport();
    const html = renderReport({ ...data, monitor: { ...data.monitor, mode: 'Shadow' } });
    assert.match(html, /Shadow mode: anomalies are detected and recorded here, but no alerts are sent/);
  });

  it('escapes every string from the data so none can inject markup or script', () => {
    const evil = '"><img src=x onerror=alert(1)><script>alert(2)</script>';
    const data = sampleReport();
    const html = renderReport({
      ...data,
      monitor: { ...data.monitor, namespace: evil, name: evil, model: evil, version: evil, health: evil, lastRunTime: evil },
      anomalies: data.anomalies.map((a) => ({
        ...a, category: evil, subject: evil, statistic: evil, start: evil, members: [evil],
        series: { ...a.series, time: a.series.time.map((t, i) => (i === 3 ? `</script>${evil}` : t)) },
      })),
      runs: [{ time: evil, health: evil, anomalyCount: 1, error: `</td></tr></table>${evil}` }],
    });
    assert.doesNotMatch(html, /<img/);
    assert.doesNotMatch(html, /<script>alert/);
    assert.doesNotMatch(html, /<\/table>"/);
    assert.equal(scripts(html).length, 2, 'only the page data and the page script');
    assert.match(html, /&lt;img src=x onerror=alert\(1\)&gt;/);
    assert.doesNotMatch(html, /class="badge "/);
    const json = scripts(html)[0];
    assert.doesNotMatch(json, /</);
    assert.ok(JSON.parse(json));
  });

  it('allows only its own inline script through the content security policy', () => {
    const html = renderReport(sampleReport());
    const inline = scripts(html)[1];
    const hash = createHash('sha256').update(inline).digest('base64');
    assert.match(html, new RegExp(`script-src 'sha256-${hash.replace(/[+/]/g, '\\$&')}'`));
    assert.match(html, /default-src 'none'/);
    assert.doesNotMatch(html, /https?:\/\//, 'the page refers to nothing on the network');
  });

  it('draws a placeholder for an anomaly without stored history', () => {
    const data: ReportData = sampleReport();
    const empty = { time: [], observed: [], baseline: [], lower: [], upper: [], score: [], flagged: [] };
    const html = renderReport({ ...data, anomalies: [{ ...data.anomalies[0], series: empty }] });
    assert.match(html, /No history stored for this statistic yet/);
  });

  it('lists at most 30 runs and says how many there were', () => {
    const data = healthyReport();
    const runs = Array.from({ length: 45 }, (_, i) => ({
      time: new Date(Date.parse('2026-01-01T02:15:00Z') + i * 86_400_000).toISOString(), health: 'Healthy', anomalyCount: 0,
    }));
    const html = renderReport({ ...data, runs });
    assert.equal((html.match(/<tr><td class="when">/g) ?? []).length, 30);
    assert.match(html, /Recent runs \(latest 30 of 45\)/);
    assert.ok(series({ days: 2, level: 1, noise: 0, phase: 0 }).time.length === 2);
  });
});
