/**
 * `npm run bench:feedback`: does retraining stage 2 on a cluster's feedback cut false alarms
 * at equal recall, and is a worse model refused? (issue 13, Done-when).
 *
 * A synthetic cluster history (operator/src/detector/synthetic/cluster.ts): daily statistics
 * with real incidents, some of them (8%) also carrying planned weekend backfills every 3-6 weeks,
 * which the pretrained detector alerts on. Every alert of the pretrained model is judged by the
 * generator's truth: `incident` when it touches a labelled incident, `false-alarm` otherwise.
 * `alertiger train --feedback`'s core (detector/retrain.ts) fine-tunes stage 2 on the older 70%
 * of the judged alerts and checks it on the newest 30%. The figure: a held-out cluster (other
 * series, another seed, same kind of backfills), both models at the cut each needs to keep the
 * pretrained model's recall on its true incidents; false alarms before and after and the cut in
 * %. Then the same fine-tune made worse on purpose (the verdicts of its training part swapped,
 * or shuffled, the held-out verdicts left true): the held-out check must refuse it. Repeated over REPEATS seeds; medians printed. Last line: JSON.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/feedback.js [repeats]
 */
import { initBackend } from '../operator/src/detector/backend.js';
import { DEFAULT_THRESHOLD } from '../operator/src/detector/detector.js';
import type { RegularSeries } from '../operator/src/detector/features.js';
import type { LabelledAnomaly } from '../operator/src/detector/finetune.js';
import { compareOnHeldOut, countsAt, incidentGrids, scorePoints } from '../operator/src/detector/heldout.js';
import { disposeModel, loadDetectorFiles, type GranularityModel } from '../operator/src/detector/io.js';
import { pretrainedModelPath } from '../operator/src/detector/paths.js';
import { createRng, shuffledIndices } from '../operator/src/detector/random.js';
import { disposeCandidate, retrainOnFeedback } from '../operator/src/detector/retrain.js';
import { alertsOf, syntheticCluster, type ClusterSeries } from '../operator/src/detector/synthetic/cluster.js';
import { createLogger } from '../operator/src/log.js';

const COUNT = 200;
const THRESHOLD = DEFAULT_THRESHOLD;

const regular = (s: ClusterSeries): RegularSeries => ({ start: s.start, values: s.values, noise: s.noise, domain: s.domain });

/** Each labelled incident of the generator as an anomaly (the evaluation's truth). */
function truthIncidents(cluster: readonly ClusterSeries[]): LabelledAnomaly[] {
  return alertsOf(cluster.map(() => new Uint8Array(0)), cluster.map((s) => s.labels)).map((a) => ({ ...a, verdict: 'incident' as const }));
}

/** The pretrained model's alerts on a cluster, judged by the truth. */
function judgedAlerts(model: GranularityModel, cluster: readonly ClusterSeries[], series: readonly RegularSeries[]): LabelledAnomaly[] {
  const scored = scorePoints(model, series, -Infinity);
  const flags = series.map((s) => new Uint8Array(s.values.length));
  for (let i = 0; i < scored.score.length; i++) if (scored.outside[i] === 1 && scored.score[i] > THRESHOLD) flags[scored.series[i]][scored.index[i]] = 1;
  return alertsOf(cluster.map((s) => s.labels), flags);
}

interface Trial {
  seed: number;
  alerts: number;
  falseShare: number;
  backfillAlerts: number;
  check: string;
  accepted: boolean;
  heldOut: { incidents: number; recall: number; before: number; after: number; cutPct: number; atThreshold: { before: number; after: number; recallBefore: number; recallAfter: number } };
  swapped: { accepted: boolean; check: string };
  shuffled: { accepted: boolean; check: string };
  trainSeconds: number;
}

function trial(current: GranularityModel, seed: number): Trial {
  const cluster = syntheticCluster({ seed, count: COUNT });
  const series = cluster.map(regular);
  const alerts = judgedAlerts(current, cluster, series);
  const falseAlarms = alerts.filter((a) => a.verdict === 'false-alarm');
  const backfillAlerts = falseAlarms.filter((a) => cluster[a.series].benign.subarray(a.start, a.end).some((b) => b === 1)).length;

  const started = Date.now();
  const retrained = retrainOnFeedback(current, series, alerts, { seed, threshold: THRESHOLD });
  const trainSeconds = (Date.now() - started) / 1000;

  const held = syntheticCluster({ seed: seed + 1000, count: COUNT });
  const heldSeries = held.map(regular);
  const truth = truthIncidents(held);
  const evaluation = compareOnHeldOut({ current, candidate: retrained.candidate, series: heldSeries, split: { cutoff: -Infinity, train: [], heldOut: truth }, threshold: THRESHOLD, recallTolerance: 0 });
  const before = evaluation.current.falseAlarms;
  const after = evaluation.candidate?.falseAlarms ?? NaN;
  const grids = incidentGrids(heldSeries.map((s) => s.values.length), truth);
  const at = (m: GranularityModel): { falseAlarms: number; recall: number } => {
    const c = countsAt(scorePoints(m, heldSeries, -Infinity), grids, THRESHOLD, true);
    return { falseAlarms: c.falseAlarms, recall: c.caught / c.incidents };
  };
  const atBefore = at(current);
  const atAfter = at(retrained.candidate);
  disposeCandidate(retrained);

  // Made worse on purpose: the verdicts it trains on (the older 70%) corrupted, the held-out
  // verdicts left as people gave them, as when a batch of labels was given carelessly.
  const worse = (label: string, corrupt: (train: LabelledAnomaly[]) => LabelledAnomaly[]): { accepted: boolean; check: string } => {
    const verdicts = [...corrupt(retrained.split.train), ...retrained.split.heldOut];
    const r = retrainOnFeedback(current, series, verdicts, { seed, threshold: THRESHOLD });
    disposeCandidate(r);
    return { accepted: r.report.accepted, check: `${label}: ${r.report.message}` };
  };
  const swap = (list: LabelledAnomaly[]): LabelledAnomaly[] => list.map((a) => ({ ...a, verdict: a.verdict === 'incident' ? 'false-alarm' : 'incident' }));
  const shuffle = (list: LabelledAnomaly[]): LabelledAnomaly[] => {
    const order = shuffledIndices(list.length, createRng(seed));
    return list.map((a, i) => ({ ...a, verdict: list[order[i]].verdict }));
  };
  const out: Trial = {
    seed,
    alerts: alerts.length,
    falseShare: falseAlarms.length / alerts.length,
    backfillAlerts,
    check: retrained.report.message,
    accepted: retrained.report.accepted,
    heldOut: {
      incidents: evaluation.incidents,
      recall: evaluation.currentAtThreshold.caught / evaluation.incidents,
      before,
      after,
      cutPct: (100 * (before - after)) / before,
      atThreshold: { before: atBefore.falseAlarms, after: atAfter.falseAlarms, recallBefore: atBefore.recall, recallAfter: atAfter.recall },
    },
    swapped: worse('training verdicts swapped', swap),
    shuffled: worse('training verdicts shuffled', shuffle),
    trainSeconds,
  };
  return out;
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function main(): Promise<void> {
  const repeats = Number(process.argv[2] ?? '3');
  const backend = await initBackend({ logger: createLogger({ level: 'error' }) });
  const { models } = await loadDetectorFiles(process.env.ALERTIGER_TEST_DETECTOR ?? pretrainedModelPath());
  const current = models.find((m) => m.spec.granularity === '1d')!;
  const trials: Trial[] = [];
  try {
    for (let k = 0; k < repeats; k++) {
      const t = trial(current, 1301 + 7 * k);
      trials.push(t);
      const h = t.heldOut;
      process.stdout.write(
        `seed ${t.seed}: ${t.alerts} alerts judged, ${(100 * t.falseShare).toFixed(0)}% false (${t.backfillAlerts} on backfills); fine-tune ${t.trainSeconds.toFixed(1)} s\n` +
          `  time-split check: ${t.check}\n` +
          `  held-out cluster (${h.incidents} incidents, recall ${(100 * h.recall).toFixed(0)}%): false alarms ${h.before} -> ${h.after} at equal recall (-${h.cutPct.toFixed(0)}%); ` +
          `at threshold ${THRESHOLD}: ${h.atThreshold.before} -> ${h.atThreshold.after} false alarms, recall ${(100 * h.atThreshold.recallBefore).toFixed(0)}% -> ${(100 * h.atThreshold.recallAfter).toFixed(0)}%\n` +
          `  worse on purpose: ${t.swapped.check}\n  worse on purpose: ${t.shuffled.check}\n`,
      );
    }
  } finally {
    models.forEach(disposeModel);
  }
  const summary = {
    backend,
    repeats,
    seriesPerCluster: COUNT,
    falseShare: median(trials.map((t) => t.falseShare)),
    falseAlarmsBefore: median(trials.map((t) => t.heldOut.before)),
    falseAlarmsAfter: median(trials.map((t) => t.heldOut.after)),
    cutPct: median(trials.map((t) => t.heldOut.cutPct)),
    target: 30,
    accepted: trials.filter((t) => t.accepted).length,
    worseRefused: trials.filter((t) => !t.swapped.accepted).length + trials.filter((t) => !t.shuffled.accepted).length,
    worseTried: 2 * trials.length,
    trainSeconds: median(trials.map((t) => t.trainSeconds)),
  };
  process.stdout.write(
    `median over ${repeats}: ${(100 * summary.falseShare).toFixed(0)}% of alerts false; held-out false alarms ${summary.falseAlarmsBefore} -> ${summary.falseAlarmsAfter} ` +
      `at equal recall (-${summary.cutPct.toFixed(0)}%, target >= 30%); new model accepted ${summary.accepted}/${repeats}; worse models refused ${summary.worseRefused}/${summary.worseTried}\n`,
  );
  process.stdout.write(JSON.stringify(summary) + '\n');
}

await main();
