/**
 * The synthetic model: a purchase-propensity classifier with the kinds of inputs real models
 * have (a clipped age, a count with many zeros, a ratio, a heavy-tailed amount with missing
 * values, an exponential tenure, and three categoricals), and a logistic score over them.
 * Labels are drawn from the probability of the clean inputs while the score sees the inputs as
 * served, so a corrupted feature degrades the model's real performance as it would in life.
 */
import type { Rng } from '../random.js';

export type FeatureValue = number | string | null;
export type Features = Record<string, FeatureValue>;

export const NUMERIC_FEATURES = ['age', 'sessions_7d', 'click_rate', 'purchase_amount', 'tenure_days'] as const;
export const CATEGORICAL_FEATURES = ['country', 'device', 'channel'] as const;
export type NumericFeature = (typeof NUMERIC_FEATURES)[number];
export type CategoricalFeature = (typeof CATEGORICAL_FEATURES)[number];

/** Field names of the log, in the column order the CSV writer uses. */
export const SYNTHETIC_SCHEMA = {
  timestamp: 'ts',
  score: 'score',
  label: 'label',
  numeric: NUMERIC_FEATURES,
  categorical: CATEGORICAL_FEATURES,
  columns: ['ts', ...NUMERIC_FEATURES, ...CATEGORICAL_FEATURES, 'score', 'label'] as readonly string[],
} as const;

interface Category {
  readonly values: readonly string[];
  readonly weights: readonly number[];
  /** Additive effect on the logit, per value. */
  readonly effect: readonly number[];
}

export const CATEGORIES: Record<CategoricalFeature, Category> = {
  country: {
    values: ['US', 'IN', 'BR', 'DE', 'GB', 'FR', 'JP', 'CA', 'MX'],
    weights: [40, 15, 10, 8, 7, 6, 5, 5, 4],
    effect: [0.2, -0.3, -0.2, 0.1, 0.15, 0.05, 0.1, 0.15, -0.25],
  },
  device: { values: ['ios', 'android', 'web'], weights: [45, 40, 15], effect: [0.25, -0.1, -0.2] },
  channel: {
    values: ['organic', 'ads', 'email', 'referral'],
    weights: [50, 30, 12, 8],
    effect: [0, -0.2, 0.3, 0.35],
  },
};

/** Share of rows whose purchase_amount is absent (no purchase history). */
const AMOUNT_MISSING_RATE = 0.06;
/** Share of rows with a missing device (an old client that does not send it). */
const DEVICE_MISSING_RATE = 0.01;

/** Draws one row's clean inputs. */
export function drawFeatures(rng: Rng): Features {
  const age = Math.round(Math.min(90, Math.max(18, 38 + 12 * rng.normal())));
  // A gamma-Poisson mixture: most users have a few sessions, some none, a few very many.
  const sessions = rng.poisson(Math.min(55, 3 * rng.gamma(1.5)));
  const clickRate = round(1 / (1 + Math.exp(-(-1.6 + 0.7 * rng.normal()))), 4);
  const amount = rng.chance(AMOUNT_MISSING_RATE) ? null : round(Math.exp(3.4 + 1.0 * rng.normal()), 2);
  const tenure = Math.round(rng.exponential(420));
  const row: Features = {
    age,
    sessions_7d: sessions,
    click_rate: clickRate,
    purchase_amount: amount,
    tenure_days: tenure,
  };
  for (const name of CATEGORICAL_FEATURES) {
    const c = CATEGORIES[name];
    row[name] = c.values[rng.pickIndex(c.weights)];
  }
  if (rng.chance(DEVICE_MISSING_RATE)) row.device = null;
  return row;
}

/** Values the model substitutes for missing or unparseable inputs (its training medians). */
const IMPUTE: Record<NumericFeature, number> = {
  age: 38,
  sessions_7d: 3,
  click_rate: 0.17,
  purchase_amount: 30,
  tenure_days: 290,
};

function numeric(row: Features, name: NumericFeature): number {
  const v = row[name];
  return typeof v === 'number' && Number.isFinite(v) ? v : IMPUTE[name];
}

/** The model's logit of the inputs; the intercept puts the mean score near 0.15. */
export function logit(row: Features): number {
  let z = -2.35;
  z += 0.018 * (numeric(row, 'age') - 38);
  z += 0.45 * (Math.log1p(numeric(row, 'sessions_7d')) - 1.2);
  z += 3.0 * (numeric(row, 'click_rate') - 0.17);
  z += 0.35 * (Math.log1p(Math.max(0, numeric(row, 'purchase_amount'))) - 3.4);
  z += 0.25 * (Math.log1p(numeric(row, 'tenure_days')) - 5.5);
  for (const name of CATEGORICAL_FEATURES) {
    const c = CATEGORIES[name];
    const i = c.values.indexOf(String(row[name]));
    if (i >= 0) z += c.effect[i];
  }
  return z;
}

export function sigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z));
}

export function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
