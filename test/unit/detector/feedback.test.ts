import assert from 'node:assert/strict';
import { initBackend } from '../../../operator/src/detector/backend.js';
import { UNLABELLED, type RegularSeries } from '../../../operator/src/detector/features.js';
import {
  buildFeedbackExamples, cloneStage2, feedbackLabels, JUDGED_WEIGHT, shiftOutputBias, type LabelledAnomaly,
} from '../../../operator/src/detector/finetune.js';
import {
  compareOnHeldOut, countsAt, equalRecallPoint, incidentGrids, scorePoints, splitByTime, type ScoredPoints,
} from '../../../operator/src/detector/heldout.js';
import { disposeModel, loadDetectorFiles, type GranularityModel } from '../../../operator/src/detector/io.js';
import { disposeLayers } from '../../../operator/src/detector/model.js';
import { pretrainedModelPath } from '../../../operator/src/detector/paths.js';
import { disposeCandidate, retrainOnFeedback } from '../../../operator/src/detector/retrain.js';
import { DAY_MS } from '../../../operator/src/detector/spec.js';
import { alertsOf, syntheticCluster } from '../../../operator/src/detector/synthetic/cluster.js';
import { silentLogger } from '../../../operator/src/log.js';

const T0 = Date.UTC(2025, 0, 1);
const flat = (n: number, start = T0): RegularSeries => ({ start, values: new Float64Array(n).fill(10) });

describe('feedback labels and examples', () => {
  it('labels incidents 1, false alarms 0 (marked as judged), unjudged anomalies and the held-out part unlabelled', () => {
    const series = [flat(20), flat(20)];
    const anomalies: LabelledAnomaly[] = [
      { series: 0, start: 3, end: 5, verdict: 'incident' },
      { series: 1, start: 6, end: 7, verdict: 'false-alarm' },
    ];
    const { labels, falseAlarm } = feedbackLabels(series, DAY_MS, anomalies, { until: T0 + 15 * DAY_MS, unlabelled: [{ series: 0, start: 9, end: 11 }] });
    assert.deepEqual([...labels[0].subarray(2, 6)], [0, 1, 1, 0]);
    assert.deepEqual([...labels[0].subarray(9, 11)], [UNLABELLED, UNLABELLED]);
    assert.equal(labels[1][6], 0);
    assert.equal(falseAlarm[1][6], 1);
    assert.equal(falseAlarm[1][5], 0);
    assert.ok(labels.every((l) => l.subarray(15).every((x) => x === UNLABELLED)), 'nothing from `until` on is trained on');
    assert.ok(labels.every((l) => l.subarray(0, 2).every((x) => x === 0)), 'quiet points are the usual negatives');
  });

  describe('with the pretrained model', () => {
    let model: GranularityModel;
    let models: GranularityModel[];
    before(async () => {
      await initBackend({ logger: silentLogger });
      models = (await loadDetectorFiles(pretrainedModelPath())).models;
      model = models.find((m) => m.spec.granularity === '1d')!;
    });
    after(() => models.forEach(disposeModel));

    it('builds rows whose judged anomalies weigh JUDGED_WEIGHT each, quiet points 1, none after `until`', () => {
      const n = 80;
      const values = Float64Array.from({ length: n }, (_, t) => 100 + 3 * Math.sin(t) + (t % 7));
      // A jump far outside any band: an incident at 50-51, a false alarm at 60.
      values[50] = values[51] = 200;
      values[60] = 190;
      const series: RegularSeries[] = [{ start: T0, values }];
      const anomalies: LabelledAnomaly[] = [{ series: 0, start: 50, end: 52, verdict: 'incident' }, { series: 0, start: 60, end: 61, verdict: 'false-alarm' }];
      const ex = buildFeedbackExamples(model, series, anomalies, { until: T0 + 70 * DAY_MS });
      // Scorable points 28..69: 42 rows (both incident points lie outside their bands).
      assert.equal(ex.n, 42);
      assert.equal(ex.positives, 2);
      assert.equal(ex.falseAlarms, 1);
      let positiveWeight = 0;
      let judgedNegative = 0;
      let quiet = 0;
      for (let r = 0; r < ex.n; r++) {
        if (ex.y[r] === 1) positiveWeight += ex.weight[r];
        else if (ex.weight[r] !== 1) judgedNegative += ex.weight[r];
        else quiet++;
      }
      assert.ok(Math.abs(positiveWeight - JUDGED_WEIGHT) < 1e-6, `incident weight ${positiveWeight}`);
      assert.equal(judgedNegative, JUDGED_WEIGHT);
      assert.equal(quiet, 39);
      assert.equal(ex.x.length, ex.n * ex.width);
    });

    it('refuses a model that is not better: a shifted bias keeps the order, so the same false alarms at equal recall', () => {
      const cluster = syntheticCluster({ seed: 5, count: 30, length: 200 });
      const series = cluster.map((s) => ({ start: s.start, values: s.values, noise: s.noise, domain: s.domain }));
      const alerts = alertsOf(cluster.map((s) => s.labels), cluster.map((s) => s.labels));
      const split = splitByTime(alerts, series, DAY_MS);
      const same: GranularityModel = { ...model, stage2: cloneStage2(model.stage2) };
      shiftOutputBias(same.stage2, -1.5);
      const r = compareOnHeldOut({ current: model, candidate: same, series, split, threshold: 0.2 });
      disposeLayers(same.stage2.layers);
      assert.equal(r.accepted, false, r.message);
      assert.equal(r.candidate?.falseAlarms, r.current.falseAlarms);
      assert.match(r.message, /^refused: the new model is not better: at recall \d+% .*: (\d+) false alarms with the new model, \1 with the current one$/);
    });

    it('fine-tunes on judged alerts in seconds, accepts it on the held-out part, and refuses it trained on swapped verdicts', function () {
      this.timeout(120_000);
      const cluster = syntheticCluster({ seed: 3, count: 80, length: 300, backfillShare: 0.6 });
      const series = cluster.map((s) => ({ start: s.start, values: s.values, noise: s.noise, domain: s.domain }));
      const flags = alertFlags(model, series);
      const alerts = alertsOf(cluster.map((s) => s.labels), flags);
      const falseShare = alerts.filter((a) => a.verdict === 'false-alarm').length / alerts.length;
      assert.ok(falseShare > 0.2 && falseShare < 0.9, `false share ${falseShare}`);
      const good = retrainOnFeedback(model, series, alerts, { seed: 1, epochs: 20, threshold: 0.2 });
      disposeCandidate(good);
      assert.equal(good.report.accepted, true, good.report.message);
      assert.ok(good.report.candidate!.falseAlarms < good.report.current.falseAlarms);
      // Worse on purpose: the training part's verdicts swapped, the held-out ones true.
      const swapped = [...good.split.train.map((a) => ({ ...a, verdict: a.verdict === 'incident' ? 'false-alarm' as const : 'incident' as const })), ...good.split.heldOut];
      const bad = retrainOnFeedback(model, series, swapped, { seed: 1, epochs: 20, threshold: 0.2 });
      disposeCandidate(bad);
      assert.equal(bad.report.accepted, false, bad.report.message);
      assert.match(bad.report.message, /^refused: /);
    });
  });
});

/** The raw alerts of a model at threshold 0.2, per grid point. */
function alertFlags(model: GranularityModel, series: readonly RegularSeries[]): Uint8Array[] {
  const flags = series.map((s) => new Uint8Array(s.values.length));
  const p = scorePoints(model, series, -Infinity);
  for (let i = 0; i < p.score.length; i++) if (p.outside[i] === 1 && p.score[i] > 0.2) flags[p.series[i]][p.index[i]] = 1;
  return flags;
}

describe('the held-out split and the equal-recall point', () => {
  const series = [flat(100), flat(100)];
  const a = (series: number, start: number, verdict: LabelledAnomaly['verdict']): LabelledAnomaly => ({ series, start, end: start + 1, verdict });

  it('holds out the newest 30% of the anomalies (at least one) and cuts at the oldest of them', () => {
    const anomalies = [a(0, 10, 'incident'), a(1, 20, 'false-alarm'), a(0, 30, 'incident'), a(1, 40, 'incident'), a(0, 50, 'false-alarm'), a(1, 60, 'incident'), a(0, 70, 'false-alarm'), a(1, 80, 'incident'), a(0, 90, 'incident'), a(1, 95, 'false-alarm')];
    const split = splitByTime(anomalies, series, DAY_MS);
    assert.equal(split.cutoff, T0 + 80 * DAY_MS);
    assert.deepEqual(split.heldOut.map((x) => x.start), [80, 90, 95]);
    assert.equal(split.train.length, 7);
    assert.equal(splitByTime([a(0, 5, 'incident')], series, DAY_MS).heldOut.length, 1);
    assert.equal(splitByTime([], series, DAY_MS).cutoff, Infinity);
  });

  // One series of 20 points: incidents at 5 and 15; scores chosen by hand, all outside the band.
  const scored: ScoredPoints = {
    lengths: [20],
    series: new Int32Array(20),
    index: Int32Array.from({ length: 20 }, (_, i) => i),
    score: Float64Array.from({ length: 20 }, (_, i) => ({ 5: 0.9, 15: 0.3, 8: 0.5, 11: 0.35, 2: 0.1 } as Record<number, number>)[i] ?? 0),
    outside: new Uint8Array(20).fill(1),
  };
  const incidents = incidentGrids([20], [a(0, 5, 'incident'), a(0, 15, 'incident'), a(0, 8, 'false-alarm')]);

  const cases: Array<{ name: string; caught: number; cut: number; falseAlarms: number }> = [
    { name: 'one incident needs only the top score', caught: 1, cut: 0.9, falseAlarms: 0 },
    { name: 'both incidents take the cut down to 0.3, past two false alarms', caught: 2, cut: 0.3, falseAlarms: 2 },
    { name: 'no incident needed: nothing flagged', caught: 0, cut: Infinity, falseAlarms: 0 },
  ];
  for (const c of cases) {
    it(`equal recall: ${c.name}`, () => {
      const p = equalRecallPoint(scored, incidents, c.caught)!;
      assert.equal(p.cut, c.cut);
      assert.equal(p.caught, c.caught);
      assert.equal(p.falseAlarms, c.falseAlarms);
    });
  }

  it('counts strictly above a threshold when asked (the decision is score > threshold)', () => {
    assert.equal(countsAt(scored, incidents, 0.3, true).caught, 1);
    assert.equal(countsAt(scored, incidents, 0.3).caught, 2);
    assert.equal(equalRecallPoint(scored, incidents, 3), undefined, 'a recall no cut reaches');
  });
});
