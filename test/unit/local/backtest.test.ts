import assert from 'node:assert/strict';
import type { AnomalyStatus } from '../../../operator/src/api/types.js';
import { formatBacktest, sharedRead, summarize, type SensitivityOutcome } from '../../../operator/src/local/backtest.js';
import type { Episode } from '../../../operator/src/local/replay.js';
import type { WindowStatistics } from '../../../operator/src/run/ports.js';
import type { Window } from '../../../operator/src/run/windows.js';

const DAY = 86_400_000;
const T0 = Date.parse('2026-03-01T00:00:00Z');
const iso = (day: number): string => new Date(T0 + day * DAY).toISOString();

function episode(subject: string, startDay: number, severity: number, endDay?: number): Episode {
  const peak: AnomalyStatus = { category: 'feature', subject, statistic: 'mean', start: iso(startDay), severity, score: 0.9, observed: 2, expected: 1, lower: 0.5, upper: 1.5 };
  return { category: 'feature', subject, statistic: 'mean', start: iso(startDay), lastOpen: iso(endDay ?? startDay), runs: 1, peak, peakTime: iso(startDay), ...(endDay !== undefined ? { end: iso(endDay) } : {}) };
}

function outcomes(counts: Record<'high' | 'medium' | 'low', number>, scoredRuns: number): Map<'high' | 'medium' | 'low', SensitivityOutcome> {
  const m = new Map<'high' | 'medium' | 'low', SensitivityOutcome>();
  for (const [word, n] of Object.entries(counts) as Array<['high' | 'medium' | 'low', number]>) {
    m.set(word, { episodes: Array.from({ length: n }, (_, i) => episode(`f${i}`, i * 3, 1 + i, i * 3 + 1)), scoredRuns });
  }
  return m;
}

describe('backtest summary (local/backtest.ts)', () => {
  const base = { step: DAY, from: new Date(T0), to: new Date(T0 + 56 * DAY), now: new Date(T0 + 56 * DAY + 900_000) };

  it('rates alerts per scored week at each sensitivity and suggests the most sensitive at or under one a week', () => {
    // 56 scored daily runs = 8 weeks: 16 alerts at high (2/week), 8 at medium (1/week), 4 at low.
    const b = summarize({ ...base, outcomes: outcomes({ high: 16, medium: 8, low: 4 }, 56), sensitivity: 'high' });
    assert.equal(b.scoredWeeks, 8);
    assert.deepEqual(b.bySensitivity, { high: 2, medium: 1, low: 0.5 });
    assert.equal(b.alerts, 16);
    assert.equal(b.alertsPerWeek, 2);
    assert.equal(b.suggestedSensitivity, 'medium');
    assert.match(b.message, /would have raised 16 alerts \(2 a week\) at sensitivity high; sensitivity medium would give 1 a week/);
    // The most severe first, at most 5.
    assert.equal(b.anomalies?.length, 5);
    assert.deepEqual(b.anomalies?.map((a) => a.severity), [16, 15, 14, 13, 12]);
  });

  it('says when even the least sensitive setting pages more than once a week', () => {
    const b = summarize({ ...base, outcomes: outcomes({ high: 30, medium: 24, low: 16 }, 56), sensitivity: 'medium' });
    assert.equal(b.suggestedSensitivity, undefined);
    assert.match(b.message, /even sensitivity low gives 2 a week/);
  });

  it('gives no rate when the detector could score under a week of the history', () => {
    const b = summarize({ ...base, outcomes: outcomes({ high: 1, medium: 1, low: 0 }, 5), sensitivity: 'medium' });
    assert.equal(b.alertsPerWeek, undefined);
    assert.equal(b.bySensitivity, undefined);
    assert.match(b.message, /Not enough history for a backtest: the detector could score 5 days/);
  });

  it('counts only scored weeks: a short history is not diluted by the weeks it cannot score', () => {
    // 14 scored runs (2 weeks) out of the span: 2 alerts are 1 a week, not 0.25.
    const b = summarize({ ...base, outcomes: outcomes({ high: 2, medium: 2, low: 2 }, 14), sensitivity: 'medium' });
    assert.equal(b.alertsPerWeek, 1);
    assert.equal(b.suggestedSensitivity, 'high');
  });

  it('says when a more sensitive word costs no more alerts', () => {
    const b = summarize({ ...base, outcomes: outcomes({ high: 4, medium: 4, low: 0 }, 56), sensitivity: 'medium' });
    assert.equal(b.suggestedSensitivity, 'high');
    assert.match(b.message, /at sensitivity medium; sensitivity high would give the same 0.5 a week and catch smaller changes$/);
  });

  it('prints the message, the rates and the episodes', () => {
    const text = formatBacktest(summarize({ ...base, outcomes: outcomes({ high: 2, medium: 1, low: 0 }, 56), sensitivity: 'medium' }));
    assert.match(text, /^Backtest: Replayed over 8 weeks of history, this monitor would have raised 1 alert \(0.13 a week\) at sensitivity medium; sensitivity high would give 0.25 a week and catch smaller changes\./);
    assert.match(text, /alerts a week by sensitivity: high 0.25, medium 0.13, low 0/);
    assert.match(text, /feature f0 mean: 2026-03-01 00:00 \.\. 2026-03-02 00:00 \(severity 1\)/);
  });
});

describe('sharedRead (local/backtest.ts)', () => {
  it('reads the source once for the replays that ask for the same windows', async () => {
    let reads = 0;
    const windows: Window[] = [0, 1, 2].map((d) => ({ start: new Date(T0 + d * DAY), end: new Date(T0 + (d + 1) * DAY) }));
    const port = sharedRead({
      async windows(ws) {
        reads++;
        return ws.map((window) => ({ window, rows: 10 }) as unknown as WindowStatistics);
      },
    });
    const a = await port.windows(windows);
    const b = await port.windows(windows.slice(1));
    assert.equal(reads, 1);
    assert.equal(port.reads, 1);
    assert.equal(b[0], a[1]);
    await port.windows([{ start: new Date(T0 + 3 * DAY), end: new Date(T0 + 4 * DAY) }]);
    assert.equal(reads, 2, 'a window it does not hold is read');
  });

  it('reads only the windows the first run did not: the older ones', async () => {
    const asked: number[][] = [];
    const windows: Window[] = [0, 1, 2, 3].map((d) => ({ start: new Date(T0 + d * DAY), end: new Date(T0 + (d + 1) * DAY) }));
    const stats = (w: Window): WindowStatistics => ({ window: w, rows: 10 }) as unknown as WindowStatistics;
    const known = windows.slice(2).map(stats);
    const port = sharedRead({
      async windows(ws) {
        asked.push(ws.map((w) => (w.start.getTime() - T0) / DAY));
        return ws.map(stats);
      },
    }, known);
    const all = await port.windows(windows);
    assert.deepEqual(asked, [[0, 1]], 'one read of the windows before the first run\'s');
    assert.equal(all[2], known[0], 'the first run\'s own statistics are served');
    assert.deepEqual(all.map((w) => w.window.start.getTime()), windows.map((w) => w.start.getTime()));
  });
});
