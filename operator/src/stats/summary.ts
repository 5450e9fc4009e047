/**
 * The partial statistics of one window: everything needed to produce its statistics, mergeable
 * (shard A merged with shard B gives the summary of A and B together) and serialisable, so a
 * huge window can be spread over several pods and their summaries combined.
 */
import { CategoricalSummary, type CategoricalState } from './categorical.js';
import { LabelSummary, type LabelState } from './label.js';
import { NumericSummary, type NumericState } from './numeric.js';
import { ScoreSummary, type ScoreState } from './score.js';
import { QualitySummary, type QualityState } from './quality.js';
import type { CorruptLine } from '../sources/types.js';

export type { CorruptLine };

export const DEFAULT_MAX_EXAMPLES = 10;

export type FeatureSummary = NumericSummary | CategoricalSummary;

export interface WindowSummaryState {
  rows: number;
  corrupt: number;
  corruptLines: CorruptLine[];
  features: Array<[string, { kind: 'numeric'; state: NumericState } | { kind: 'categorical'; state: CategoricalState }]>;
  /** Features seen only with missing values so far (their kind is still unknown). */
  unknown: string[];
  score: ScoreState;
  label: LabelState;
  /** Invalid cells, non-finite labels, duplicates, fields seen (absent in older states). */
  quality?: QualityState;
}

export class WindowSummary {
  /** Valid rows. */
  rows = 0;
  corrupt = 0;
  /** The first few corrupt lines. */
  readonly corruptLines: CorruptLine[] = [];
  readonly features = new Map<string, FeatureSummary>();
  readonly unknown = new Set<string>();
  readonly label = new LabelSummary();
  /** Invalid cells, duplicate rows and the fields seen (stats/quality.ts). */
  quality = new QualitySummary();

  constructor(readonly score: ScoreSummary = new ScoreSummary(), readonly maxExamples = DEFAULT_MAX_EXAMPLES) {}

  addCorrupt(c: CorruptLine): void {
    this.corrupt++;
    if (this.corruptLines.length < this.maxExamples) this.corruptLines.push(c);
  }

  /** The feature's summary, created on first use; a feature first seen missing stays unknown. */
  numeric(name: string): NumericSummary {
    let s = this.features.get(name);
    if (s === undefined) {
      s = new NumericSummary();
      this.features.set(name, s);
      this.unknown.delete(name);
    }
    return s as NumericSummary;
  }

  categorical(name: string): CategoricalSummary {
    let s = this.features.get(name);
    if (s === undefined) {
      s = new CategoricalSummary();
      this.features.set(name, s);
      this.unknown.delete(name);
    }
    return s as CategoricalSummary;
  }

  noteUnknown(name: string): void {
    if (!this.features.has(name)) this.unknown.add(name);
  }

  /**
   * Adds other into this. A feature whose kind differs between the two (each shard decided from
   * its own first value) keeps the kind with more values; the other side's values count as
   * missing.
   */
  merge(other: WindowSummary): void {
    this.rows += other.rows;
    this.corrupt += other.corrupt;
    for (const c of other.corruptLines) if (this.corruptLines.length < this.maxExamples) this.corruptLines.push(c);
    for (const [name, theirs] of other.features) {
      const ours = this.features.get(name);
      if (ours === undefined) {
        this.features.set(name, cloneFeature(theirs));
        this.unknown.delete(name);
      } else if (ours.kind === theirs.kind) {
        (ours as NumericSummary).merge(theirs as NumericSummary);
      } else if (theirs.count > ours.count) {
        this.features.set(name, cloneFeature(theirs));
      }
    }
    for (const name of other.unknown) this.noteUnknown(name);
    this.score.merge(other.score);
    this.label.merge(other.label);
    this.quality.merge(other.quality);
  }

  toJSON(): WindowSummaryState {
    return {
      rows: this.rows,
      corrupt: this.corrupt,
      corruptLines: [...this.corruptLines],
      features: [...this.features].map(([name, f]) => [name, f.kind === 'numeric' ? { kind: 'numeric', state: f.toJSON() } : { kind: 'categorical', state: f.toJSON() }]),
      unknown: [...this.unknown],
      score: this.score.toJSON(),
      label: this.label.toJSON(),
      quality: this.quality.toJSON(),
    };
  }

  static fromJSON(state: WindowSummaryState, maxExamples = DEFAULT_MAX_EXAMPLES): WindowSummary {
    const s = new WindowSummary(ScoreSummary.fromJSON(state.score), maxExamples);
    s.rows = state.rows;
    s.corrupt = state.corrupt;
    s.corruptLines.push(...state.corruptLines.slice(0, maxExamples));
    for (const [name, f] of state.features) {
      s.features.set(name, f.kind === 'numeric' ? NumericSummary.fromJSON(f.state) : CategoricalSummary.fromJSON(f.state));
    }
    for (const name of state.unknown) s.unknown.add(name);
    s.label.merge(LabelSummary.fromJSON(state.label));
    s.quality = QualitySummary.fromJSON(state.quality);
    return s;
  }
}

function cloneFeature(f: FeatureSummary): FeatureSummary {
  return f.kind === 'numeric' ? NumericSummary.fromJSON(f.toJSON()) : CategoricalSummary.fromJSON(f.toJSON());
}
