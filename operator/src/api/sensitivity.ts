/**
 * Sensitivity -> stage-2 threshold. A point is anomalous when its stage-2 score exceeds the
 * threshold (and it lies outside the band), so a lower threshold is more sensitive:
 *
 *   low    0.5   (only points the classifier is confident about)
 *   medium 0.2   (the method's default)
 *   high   0.08
 *
 * A number in (0, 1), or a string holding one, is used as the threshold itself.
 */
import type { SensitivityWord } from './types.js';
import { AlertigerError } from '../errors.js';

export const SENSITIVITY_THRESHOLDS: Readonly<Record<SensitivityWord, number>> = { low: 0.5, medium: 0.2, high: 0.08 };

export function thresholdFor(sensitivity: SensitivityWord | number | string | undefined): number {
  if (sensitivity === undefined || sensitivity === '') return SENSITIVITY_THRESHOLDS.medium;
  if (typeof sensitivity === 'string' && sensitivity in SENSITIVITY_THRESHOLDS) {
    return SENSITIVITY_THRESHOLDS[sensitivity as SensitivityWord];
  }
  const value = typeof sensitivity === 'number' ? sensitivity : Number(sensitivity);
  if (typeof sensitivity === 'string' && sensitivity.trim() === '') return SENSITIVITY_THRESHOLDS.medium;
  if (!(value > 0 && value < 1)) {
    throw new AlertigerError(
      'InvalidSensitivity',
      `sensitivity must be low, medium, high or a number in (0, 1), got "${String(sensitivity)}"`,
    );
  }
  return value;
}
