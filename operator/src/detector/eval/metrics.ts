/**
 * Event-level scoring of flags against labelled incidents (the measure):
 * - an incident is a run of labelled points; it is caught when a point inside it, or within
 *   `tolerance` points after it, is flagged;
 * - every maximal run of consecutive flagged points that touches no incident (nor its tolerance
 *   tail) is one false alarm;
 * - clean points are scored points outside every incident and its tail.
 * Incidents with no scored point in their span (inside the warm-up, or all missing) are left out.
 */
export interface EventCounts {
  incidents: number;
  caught: number;
  falseAlarms: number;
  cleanPoints: number;
}

export interface EventScores extends EventCounts {
  precision: number;
  recall: number;
  f1: number;
  /** False alarms per 1,000 clean points. */
  falseAlarmRate: number;
}

export const TOLERANCE = 2;

/**
 * Counts for one series. labels, flags and scored are per grid point (flags only meaningful
 * where scored = 1).
 */
export function eventCounts(labels: Uint8Array, flags: Uint8Array, scored: Uint8Array, tolerance = TOLERANCE): EventCounts {
  const n = labels.length;
  const inSpan = new Uint8Array(n);
  let incidents = 0;
  let caught = 0;
  for (let t = 0; t < n; ) {
    if (labels[t] !== 1) {
      t++;
      continue;
    }
    let end = t;
    while (end < n && labels[end] === 1) end++;
    const tail = Math.min(n, end + tolerance);
    let any = false;
    let hit = false;
    for (let i = t; i < tail; i++) {
      inSpan[i] = 1;
      if (scored[i] === 1) any = true;
      if (scored[i] === 1 && flags[i] === 1) hit = true;
    }
    if (any) {
      incidents++;
      if (hit) caught++;
    }
    t = end;
  }
  let falseAlarms = 0;
  let cleanPoints = 0;
  for (let t = 0; t < n; ) {
    if (scored[t] === 1 && inSpan[t] === 0) cleanPoints++;
    if (scored[t] !== 1 || flags[t] !== 1) {
      t++;
      continue;
    }
    let end = t;
    let touches = false;
    while (end < n && scored[end] === 1 && flags[end] === 1) {
      if (inSpan[end] === 1) touches = true;
      else if (end > t) cleanPoints++;
      end++;
    }
    if (!touches) falseAlarms++;
    t = end;
  }
  return { incidents, caught, falseAlarms, cleanPoints };
}

export function addCounts(a: EventCounts, b: EventCounts): EventCounts {
  return {
    incidents: a.incidents + b.incidents,
    caught: a.caught + b.caught,
    falseAlarms: a.falseAlarms + b.falseAlarms,
    cleanPoints: a.cleanPoints + b.cleanPoints,
  };
}

export const NO_COUNTS: EventCounts = { incidents: 0, caught: 0, falseAlarms: 0, cleanPoints: 0 };

export function eventScores(c: EventCounts): EventScores {
  const precision = c.caught + c.falseAlarms === 0 ? 0 : c.caught / (c.caught + c.falseAlarms);
  const recall = c.incidents === 0 ? 0 : c.caught / c.incidents;
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  const falseAlarmRate = c.cleanPoints === 0 ? 0 : (1000 * c.falseAlarms) / c.cleanPoints;
  return { ...c, precision, recall, f1, falseAlarmRate };
}
