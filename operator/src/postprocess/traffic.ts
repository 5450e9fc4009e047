/**
 * Traffic-ratio filter (docs/design.md §6): a model (or model version) serving less than
 * minTrafficRatio of the traffic of its model (a ramp, a canary) has statistics too noisy to
 * trust: its anomalies are suppressed, or kept but downgraded (warning, not critical).
 * An unknown share (no traffic figures) keeps everything.
 */
import { AlertigerError } from '../errors.js';

export type TrafficAction = 'suppress' | 'downgrade';
export type TrafficDecision = 'keep' | TrafficAction;

export interface TrafficOptions {
  minTrafficRatio: number;
  action?: TrafficAction;
}

/** Share of traffic: this model's rows over the rows of all versions of the model. */
export function trafficShare(modelTraffic: number, totalTraffic: number): number | undefined {
  if (!(totalTraffic > 0) || !(modelTraffic >= 0)) return undefined;
  return modelTraffic / totalTraffic;
}

export function trafficDecision(share: number | undefined, options: TrafficOptions): TrafficDecision {
  const { minTrafficRatio } = options;
  if (!(minTrafficRatio >= 0 && minTrafficRatio <= 1)) {
    throw new AlertigerError('InvalidTrafficRatio', `minTrafficRatio must be in [0, 1], got ${minTrafficRatio}`);
  }
  if (share === undefined || share >= minTrafficRatio) return 'keep';
  return options.action ?? 'suppress';
}

export function applyTrafficRatio<T>(
  anomalies: readonly T[],
  share: number | undefined,
  options: TrafficOptions,
): { decision: TrafficDecision; anomalies: Array<T & { downgraded: boolean }> } {
  const decision = trafficDecision(share, options);
  if (decision === 'suppress') return { decision, anomalies: [] };
  return { decision, anomalies: anomalies.map((a) => ({ ...a, downgraded: decision === 'downgrade' })) };
}
