/**
 * Incidents a user can inject into the synthetic log, each one a thing that breaks real models:
 * an upstream join that starts dropping a field, a unit change, a pipeline that fills a default,
 * a new market, a bad model push, and an outage upstream. Each is active on the days
 * [fromDay, toDay) counted from the start of the log (toDay defaults to the end).
 */
import { AlertigerError } from '../errors.js';
import { CATEGORICAL_FEATURES, NUMERIC_FEATURES, type Features } from './model.js';
import type { Rng } from '../random.js';

interface DayRange {
  fromDay: number;
  /** Exclusive; the incident lasts to the end of the log when absent. */
  toDay?: number;
}

export type Incident = DayRange & (
  /** The feature's missing rate jumps to `rate` (a share in [0, 1]). */
  | { kind: 'missing'; feature: string; rate: number }
  /** value * scale + by, for a numeric feature: a mean shift (by) or a unit change (scale). */
  | { kind: 'shift'; feature: string; by?: number; scale?: number }
  /** The feature takes one value on every row (a pipeline filling a default). */
  | { kind: 'constant'; feature: string; value?: number | string }
  /** A category never seen before takes `share` of the rows of a categorical feature. */
  | { kind: 'newCategory'; feature: string; category: string; share: number }
  /** The score's logit moves by `by` (a bad model push, a calibration change). */
  | { kind: 'scoreShift'; by: number }
  /** Traffic is multiplied by `factor` (0.2 keeps a fifth of the rows). */
  | { kind: 'trafficDrop'; factor: number }
);

export type IncidentKind = Incident['kind'];

const numeric = new Set<string>(NUMERIC_FEATURES);
const categorical = new Set<string>(CATEGORICAL_FEATURES);

/** Refuses an incident that names an unknown feature or a value out of range. */
export function validateIncident(incident: Incident, index: number): void {
  const fail = (msg: string): never => {
    throw new AlertigerError('InvalidIncident', `incidents[${index}] (${incident.kind}): ${msg}`);
  };
  if (!Number.isInteger(incident.fromDay) || incident.fromDay < 0) fail('fromDay must be an integer >= 0');
  if (incident.toDay !== undefined && !(incident.toDay > incident.fromDay)) fail('toDay must be greater than fromDay');
  switch (incident.kind) {
    case 'missing':
      if (!numeric.has(incident.feature) && !categorical.has(incident.feature)) fail(`unknown feature "${incident.feature}"`);
      if (!(incident.rate >= 0 && incident.rate <= 1)) fail('rate must be in [0, 1]');
      break;
    case 'shift':
      if (!numeric.has(incident.feature)) fail(`"${incident.feature}" is not a numeric feature`);
      break;
    case 'constant':
      if (!numeric.has(incident.feature) && !categorical.has(incident.feature)) fail(`unknown feature "${incident.feature}"`);
      break;
    case 'newCategory':
      if (!categorical.has(incident.feature)) fail(`"${incident.feature}" is not a categorical feature`);
      if (!(incident.share > 0 && incident.share <= 1)) fail('share must be in (0, 1]');
      break;
    case 'scoreShift':
      if (!Number.isFinite(incident.by)) fail('by must be a finite number');
      break;
    case 'trafficDrop':
      if (!(incident.factor >= 0 && incident.factor <= 1)) fail('factor must be in [0, 1]');
      break;
  }
}

function isActive(incident: Incident, day: number): boolean {
  return day >= incident.fromDay && (incident.toDay === undefined || day < incident.toDay);
}

/** The product of the traffic factors of the incidents active on a day. */
export function trafficFactor(incidents: readonly Incident[], day: number): number {
  let f = 1;
  for (const inc of incidents) if (inc.kind === 'trafficDrop' && isActive(inc, day)) f *= inc.factor;
  return f;
}

/** The sum of the score shifts active on a day, in logit units. */
export function scoreShift(incidents: readonly Incident[], day: number): number {
  let s = 0;
  for (const inc of incidents) if (inc.kind === 'scoreShift' && isActive(inc, day)) s += inc.by;
  return s;
}

/**
 * The inputs as served on a day: a copy of the clean row with the active feature incidents
 * applied. `rng` is a stream of its own, so the clean rows do not depend on the incidents.
 */
export function corruptFeatures(clean: Features, incidents: readonly Incident[], day: number, rng: Rng): Features {
  let row: Features | undefined;
  for (const inc of incidents) {
    if (!isActive(inc, day)) continue;
    row ??= { ...clean };
    switch (inc.kind) {
      case 'missing':
        if (rng.chance(inc.rate)) row[inc.feature] = null;
        break;
      case 'shift': {
        const v = row[inc.feature];
        if (typeof v === 'number') row[inc.feature] = Math.round((v * (inc.scale ?? 1) + (inc.by ?? 0)) * 1e4) / 1e4;
        break;
      }
      case 'constant':
        row[inc.feature] = inc.value ?? (numeric.has(inc.feature) ? 0 : 'unknown');
        break;
      case 'newCategory':
        if (rng.chance(inc.share)) row[inc.feature] = inc.category;
        break;
      default:
        break;
    }
  }
  return row ?? clean;
}
