import assert from 'node:assert/strict';
import { firstWindowWithData, latestClosedEnd, planWindows } from '../../../operator/src/run/windows.js';

const iso = (d: Date): string => d.toISOString();

describe('planWindows', () => {
  const now = new Date('2026-03-10T02:15:00Z');

  it('backfills the detector history on the first run, oldest first, ending at the last closed day', () => {
    const plan = planWindows({ granularity: '1d', now, backfillWindows: 31, maxCatchUpWindows: 90 });
    assert.equal(plan.firstRun, true);
    assert.equal(plan.windows.length, 31);
    assert.equal(iso(plan.windows[0].start), '2026-02-07T00:00:00.000Z');
    assert.equal(iso(plan.windows[30].end), '2026-03-10T00:00:00.000Z');
    assert.equal(iso(plan.latestEnd), '2026-03-10T00:00:00.000Z');
  });

  it('computes only the window that just closed on a daily run', () => {
    const plan = planWindows({ granularity: '1d', now, lastWindowEnd: '2026-03-09T00:00:00Z', backfillWindows: 31, maxCatchUpWindows: 90 });
    assert.equal(plan.firstRun, false);
    assert.deepEqual(plan.windows.map((w) => iso(w.start)), ['2026-03-09T00:00:00.000Z']);
  });

  it('catches up every window missed since the last stored one', () => {
    const plan = planWindows({ granularity: '1d', now, lastWindowEnd: '2026-03-06T00:00:00.000Z', backfillWindows: 31, maxCatchUpWindows: 90 });
    assert.deepEqual(plan.windows.map((w) => iso(w.start).slice(0, 10)), ['2026-03-06', '2026-03-07', '2026-03-08', '2026-03-09']);
    assert.equal(plan.skippedWindows, 0);
  });

  it('recomputes the newest window when nothing closed since the last run', () => {
    const plan = planWindows({ granularity: '1d', now, lastWindowEnd: '2026-03-10T00:00:00Z', backfillWindows: 31, maxCatchUpWindows: 90 });
    assert.deepEqual(plan.windows.map((w) => iso(w.start)), ['2026-03-09T00:00:00.000Z']);
  });

  it('stops at the catch-up limit and reports how many older windows it left', () => {
    const plan = planWindows({ granularity: '1d', now, lastWindowEnd: '2026-01-01T00:00:00Z', backfillWindows: 31, maxCatchUpWindows: 30 });
    assert.equal(plan.windows.length, 30);
    assert.equal(plan.skippedWindows, 38);
  });

  it('plans hourly windows on the hour', () => {
    const plan = planWindows({ granularity: '1h', now, lastWindowEnd: '2026-03-10T00:00:00Z', backfillWindows: 24 * 29, maxCatchUpWindows: 24 * 30 });
    assert.deepEqual(plan.windows.map((w) => iso(w.start).slice(11, 16)), ['00:00', '01:00']);
  });

  it('realigns a last window end that is off the grid', () => {
    const plan = planWindows({ granularity: '1d', now, lastWindowEnd: '2026-03-09T05:00:00Z', backfillWindows: 31, maxCatchUpWindows: 90 });
    assert.deepEqual(plan.windows.map((w) => iso(w.start)), ['2026-03-09T00:00:00.000Z']);
  });
});

describe('latestClosedEnd', () => {
  it('is the start of the current day or hour', () => {
    assert.equal(iso(latestClosedEnd('1d', new Date('2026-03-10T23:59:59Z'))), '2026-03-10T00:00:00.000Z');
    assert.equal(iso(latestClosedEnd('1h', new Date('2026-03-10T23:59:59Z'))), '2026-03-10T23:00:00.000Z');
    assert.equal(iso(latestClosedEnd('1d', new Date('2026-03-10T00:00:00Z'))), '2026-03-10T00:00:00.000Z');
  });
});

describe('firstWindowWithData', () => {
  it('skips the leading empty windows and keeps later empty ones', () => {
    assert.equal(firstWindowWithData([0, 0, 5, 0, 7]), 2);
    assert.equal(firstWindowWithData([3, 0]), 0);
    assert.equal(firstWindowWithData([0, 0]), 2);
  });
});
