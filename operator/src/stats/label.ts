/**
 * Label and performance statistics over the rows of a window that carry a label (labels are
 * sparse and arrive late). Sums for coverage, rates, log loss, MAE and RMSE; for AUC, the exact
 * (score, label) pairs up to 65,536, then a histogram of 16,384 score bins over [0, 1] per class
 * (scores outside are clamped): ties within a bin count one half, so the error is at most half
 * the share of positive-negative pairs that share a bin.
 */
import type { Statistics } from './names.js';
import { ABSURD_MAGNITUDE } from './quality.js';

const EXACT_PAIRS = 65536;
export const AUC_BINS = 16384;
const EPS = 1e-15;

export type Task = 'classification' | 'regression';

export interface LabelState {
  labeled: number;
  labelSum: number;
  nonBinary: number;
  pairs: number;
  pairScoreSum: number;
  pairLabelSum: number;
  logLossSum: number;
  absErrorSum: number;
  squaredErrorSum: number;
  exact: Array<[number, number]> | null;
  positiveBins: number[] | null;
  negativeBins: number[] | null;
}

export class LabelSummary {
  /** Rows with a label. */
  labeled = 0;
  labelSum = 0;
  /** Labels other than 0 and 1: the task is then regression unless the schema says otherwise. */
  nonBinary = 0;
  /** Rows with both a finite score and a label. */
  pairs = 0;
  pairScoreSum = 0;
  pairLabelSum = 0;
  logLossSum = 0;
  absErrorSum = 0;
  squaredErrorSum = 0;
  private exactScores: Float64Array | undefined = new Float64Array(256);
  private exactLabels: Uint8Array | undefined = new Uint8Array(256);
  private exactSize = 0;
  private positiveBins: Float64Array | undefined;
  private negativeBins: Float64Array | undefined;

  /** Adds rows [0, n): NaN marks no label / no score. */
  addColumns(scores: Float64Array, labels: Float64Array, n: number): void {
    for (let r = 0; r < n; r++) {
      const y = labels[r];
      if (y !== y) continue;
      this.labeled++;
      this.labelSum += y;
      const binary = y === 0 || y === 1;
      if (!binary) this.nonBinary++;
      const s = scores[r];
      if (!(s <= ABSURD_MAGNITUDE && s >= -ABSURD_MAGNITUDE)) continue;
      this.addPair(s, y, binary);
    }
  }

  private addPair(s: number, y: number, binary: boolean): void {
    this.pairs++;
    this.pairScoreSum += s;
    this.pairLabelSum += y;
    const err = s - y;
    this.absErrorSum += Math.abs(err);
    this.squaredErrorSum += err * err;
    if (!binary) return;
    const p = Math.min(Math.max(s, EPS), 1 - EPS);
    this.logLossSum -= y === 1 ? Math.log(p) : Math.log(1 - p);
    this.addRanked(s, y);
  }

  private addRanked(s: number, y: number): void {
    if (this.exactScores !== undefined && this.exactLabels !== undefined) {
      if (this.exactSize === this.exactScores.length) {
        if (this.exactSize >= EXACT_PAIRS) {
          this.toBins();
          this.addRanked(s, y);
          return;
        }
        const scores = new Float64Array(this.exactSize * 2);
        scores.set(this.exactScores);
        const labels = new Uint8Array(this.exactSize * 2);
        labels.set(this.exactLabels);
        this.exactScores = scores;
        this.exactLabels = labels;
      }
      this.exactScores[this.exactSize] = s;
      this.exactLabels[this.exactSize++] = y;
      return;
    }
    const bins = y === 1 ? this.positiveBins! : this.negativeBins!;
    bins[binOf(s)]++;
  }

  private toBins(): void {
    this.positiveBins = new Float64Array(AUC_BINS);
    this.negativeBins = new Float64Array(AUC_BINS);
    const scores = this.exactScores!;
    const labels = this.exactLabels!;
    for (let i = 0; i < this.exactSize; i++) (labels[i] === 1 ? this.positiveBins : this.negativeBins)[binOf(scores[i])]++;
    this.exactScores = undefined;
    this.exactLabels = undefined;
    this.exactSize = 0;
  }

  merge(other: LabelSummary): void {
    this.labeled += other.labeled;
    this.labelSum += other.labelSum;
    this.nonBinary += other.nonBinary;
    this.pairs += other.pairs;
    this.pairScoreSum += other.pairScoreSum;
    this.pairLabelSum += other.pairLabelSum;
    this.logLossSum += other.logLossSum;
    this.absErrorSum += other.absErrorSum;
    this.squaredErrorSum += other.squaredErrorSum;
    if (other.exactScores !== undefined) {
      for (let i = 0; i < other.exactSize; i++) this.addRanked(other.exactScores[i], other.exactLabels![i]);
      return;
    }
    if (this.exactScores !== undefined) this.toBins();
    for (let b = 0; b < AUC_BINS; b++) {
      this.positiveBins![b] += other.positiveBins![b];
      this.negativeBins![b] += other.negativeBins![b];
    }
  }

  /** Mann-Whitney AUC of the binary-labelled pairs; null without both classes. */
  auc(): number | null {
    if (this.exactScores !== undefined) return exactAuc(this.exactScores.subarray(0, this.exactSize), this.exactLabels!.subarray(0, this.exactSize));
    return binnedAuc(this.positiveBins!, this.negativeBins!);
  }

  toJSON(): LabelState {
    const exact = this.exactScores === undefined ? null
      : Array.from(this.exactScores.subarray(0, this.exactSize), (s, i): [number, number] => [s, this.exactLabels![i]]);
    return {
      labeled: this.labeled, labelSum: this.labelSum, nonBinary: this.nonBinary, pairs: this.pairs,
      pairScoreSum: this.pairScoreSum, pairLabelSum: this.pairLabelSum, logLossSum: this.logLossSum,
      absErrorSum: this.absErrorSum, squaredErrorSum: this.squaredErrorSum, exact,
      positiveBins: this.positiveBins ? Array.from(this.positiveBins) : null,
      negativeBins: this.negativeBins ? Array.from(this.negativeBins) : null,
    };
  }

  static fromJSON(state: LabelState): LabelSummary {
    const s = new LabelSummary();
    const { exact, positiveBins, negativeBins, ...sums } = state;
    Object.assign(s, sums);
    if (exact !== null) {
      for (const [score, label] of exact) s.addRanked(score, label);
    } else {
      s.exactScores = undefined;
      s.exactLabels = undefined;
      s.positiveBins = Float64Array.from(positiveBins ?? []);
      s.negativeBins = Float64Array.from(negativeBins ?? []);
    }
    return s;
  }
}

function binOf(s: number): number {
  return Math.min(AUC_BINS - 1, Math.max(0, Math.floor(s * AUC_BINS)));
}

function exactAuc(scores: Float64Array, labels: Uint8Array): number | null {
  const order = Array.from(scores.keys()).sort((a, b) => scores[a] - scores[b]);
  let negatives = 0;
  let positives = 0;
  let wins = 0;
  for (let i = 0; i < order.length;) {
    let j = i;
    let pos = 0;
    let neg = 0;
    while (j < order.length && scores[order[j]] === scores[order[i]]) {
      if (labels[order[j]] === 1) pos++;
      else neg++;
      j++;
    }
    wins += pos * negatives + 0.5 * pos * neg;
    negatives += neg;
    positives += pos;
    i = j;
  }
  return positives === 0 || negatives === 0 ? null : wins / (positives * negatives);
}

function binnedAuc(pos: Float64Array, neg: Float64Array): number | null {
  let negatives = 0;
  let positives = 0;
  let wins = 0;
  for (let b = 0; b < pos.length; b++) {
    wins += pos[b] * negatives + 0.5 * pos[b] * neg[b];
    negatives += neg[b];
    positives += pos[b];
  }
  return positives === 0 || negatives === 0 ? null : wins / (positives * negatives);
}

/** The task: the schema's, else classification when every label is 0 or 1. */
function inferTask(s: LabelSummary, declared?: Task): Task {
  return declared ?? (s.nonBinary === 0 ? 'classification' : 'regression');
}

/**
 * label_coverage over the window's valid rows; for classification positive_rate, auc, log_loss,
 * calibration (mean score / positive rate, over rows with both); for regression mae and rmse.
 * Statistics that do not apply to the task are null.
 */
export function labelStatistics(s: LabelSummary, rows: number, declared?: Task): Statistics {
  const task = inferTask(s, declared);
  const out: Statistics = {
    label_coverage: rows > 0 ? s.labeled / rows : null,
    positive_rate: null, auc: null, log_loss: null, calibration: null, mae: null, rmse: null,
  };
  if (task === 'classification') {
    out.positive_rate = s.labeled > 0 ? s.labelSum / s.labeled : null;
    if (s.pairs > 0 && s.nonBinary === 0) {
      out.auc = s.auc();
      out.log_loss = s.logLossSum / s.pairs;
      const pairRate = s.pairLabelSum / s.pairs;
      out.calibration = pairRate > 0 ? s.pairScoreSum / s.pairs / pairRate : null;
    }
  } else if (s.pairs > 0) {
    out.mae = s.absErrorSum / s.pairs;
    out.rmse = Math.sqrt(s.squaredErrorSum / s.pairs);
  }
  return out;
}
