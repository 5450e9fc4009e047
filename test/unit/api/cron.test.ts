import assert from 'node:assert/strict';
import { cronMatches, defaultSchedule, parseCron, type CronSchedule } from '../../../operator/src/api/cron.js';
import { SCHEDULE_CASES } from './cron-cases.js';

function parsed(expr: string): CronSchedule {
  const result = parseCron(expr);
  assert.ok(result.ok, `${expr}: ${result.ok ? '' : result.error}`);
  return result.schedule;
}

const sorted = (set: ReadonlySet<number>): number[] => [...set].sort((a, b) => a - b);

describe('parseCron', () => {
  for (const c of SCHEDULE_CASES) {
    it(`${c.valid ? 'accepts' : 'refuses'} "${c.schedule}" (${c.why})`, () => {
      assert.equal(parseCron(c.schedule).ok, c.valid);
    });
  }

  const fieldCases: { expr: string; field: keyof CronSchedule; values: number[] }[] = [
    { expr: '*/15 * * * *', field: 'minute', values: [0, 15, 30, 45] },
    { expr: '0 9-17/2 * * *', field: 'hour', values: [9, 11, 13, 15, 17] },
    { expr: '5/20 * * * *', field: 'minute', values: [5, 25, 45] },
    { expr: '0 0 1,15,31 * *', field: 'dayOfMonth', values: [1, 15, 31] },
    { expr: '0 0 * jan-MAR,dec *', field: 'month', values: [1, 2, 3, 12] },
    { expr: '0 0 * * MON-FRI', field: 'dayOfWeek', values: [1, 2, 3, 4, 5] },
    { expr: '0 0 * * sun,sat', field: 'dayOfWeek', values: [0, 6] },
    { expr: '@weekly', field: 'dayOfWeek', values: [0] },
    { expr: '@hourly', field: 'minute', values: [0] },
  ];
  for (const c of fieldCases) {
    it(`expands the ${c.field} of "${c.expr}" to ${c.values.join(',')}`, () => {
      assert.deepEqual(sorted(parsed(c.expr)[c.field] as ReadonlySet<number>), c.values);
    });
  }

  it('expands * to the whole range of each field', () => {
    const s = parsed('* * * * *');
    assert.deepEqual([s.minute.size, s.hour.size, s.dayOfMonth.size, s.month.size, s.dayOfWeek.size], [60, 24, 31, 12, 7]);
    assert.equal(s.dayOfMonthRestricted || s.dayOfWeekRestricted, false);
  });

  it('names the field at fault in its error', () => {
    const cases: [string, RegExp][] = [
      ['0 24 * * *', /hour \(2nd field\) "24"/],
      ['0 0 * * FUN', /day of week \(5th field\) "FUN"/],
      ['30-5 * * * *', /minute \(1st field\) "30-5": range 30-5 runs backwards/],
      ['0 15 2 * * *', /5 fields .* has 6/],
      ['@every 5m', /unknown descriptor/],
    ];
    for (const [expr, message] of cases) {
      const result = parseCron(expr);
      assert.ok(!result.ok);
      assert.match(result.error, message);
    }
  });
});

describe('cronMatches', () => {
  const at = (iso: string): Date => new Date(iso);
  const cases: { expr: string; time: string; fires: boolean; why: string }[] = [
    { expr: '15 2 * * *', time: '2026-11-20T02:15:00Z', fires: true, why: 'the daily default at 02:15' },
    { expr: '15 2 * * *', time: '2026-11-20T02:16:00Z', fires: false, why: 'a minute late' },
    { expr: '5 * * * *', time: '2026-11-20T13:05:00Z', fires: true, why: 'the hourly default' },
    { expr: '0 0 * * MON-FRI', time: '2026-11-21T00:00:00Z', fires: false, why: 'a Saturday' },
    { expr: '0 0 * * MON-FRI', time: '2026-11-20T00:00:00Z', fires: true, why: 'a Friday' },
    { expr: '0 0 1 * MON', time: '2026-11-02T00:00:00Z', fires: true, why: 'both day fields restricted: a Monday that is not the 1st' },
    { expr: '0 0 1 * MON', time: '2026-11-01T00:00:00Z', fires: true, why: 'both day fields restricted: the 1st, a Sunday' },
    { expr: '0 0 1 * MON', time: '2026-11-03T00:00:00Z', fires: false, why: 'both day fields restricted: neither' },
    { expr: '0 0 1 * *', time: '2026-11-02T00:00:00Z', fires: false, why: 'weekday unrestricted: only the 1st' },
  ];
  for (const c of cases) {
    it(`${c.fires ? 'fires' : 'does not fire'} for "${c.expr}" at ${c.time} (${c.why})`, () => {
      assert.equal(cronMatches(parsed(c.expr), at(c.time)), c.fires);
    });
  }
});

describe('defaultSchedule', () => {
  it('runs daily monitors at 02:15 and hourly ones at five past', () => {
    assert.equal(defaultSchedule('1d'), '15 2 * * *');
    assert.equal(defaultSchedule('1h'), '5 * * * *');
  });

  it('gives schedules that parse', () => {
    assert.ok(parseCron(defaultSchedule('1d')).ok && parseCron(defaultSchedule('1h')).ok);
  });
});
