import assert from 'node:assert/strict';
import {
  CRON_NEVER_FIRES_PATTERNS, cronMatches, defaultSchedule, forwardPositionalPattern, parseCron, positionalPattern, type CronSchedule,
} from '../../../operator/src/api/cron.js';
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
      ['0 0 31 2 *', /"0 0 31 2 \*" never fires: day 31 of the month never occurs in FEB/],
      ['0 0 31 4,6 *', /never occurs in APR,JUN/],
    ];
    for (const [expr, message] of cases) {
      const result = parseCron(expr);
      assert.ok(!result.ok);
      assert.match(result.error, message);
    }
  });
});

/** Every month item form (a, a-b, a/s, a-b/s, a star with a step, names), steps past December too. */
function monthItems(): string[] {
  const names = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
  const out = ['2,4', '2,3', 'FEB,apr', '4,6,9,11', '4/5,2', '2,*/12', '*'];
  for (let a = 1; a <= 12; a++) {
    out.push(String(a), `0${a}`.slice(-2), names[a - 1]!, names[a - 1]!.toUpperCase());
    for (let b = a; b <= 12; b++) out.push(`${a}-${b}`);
    for (const step of [1, 2, 3, 4, 5, 6, 7, 9, 11, 12, 13, 50]) {
      out.push(`${a}/${step}`, `*/${step}`);
      for (let b = a; b <= 12; b++) out.push(`${a}-${b}/${step}`);
    }
  }
  return out;
}

describe('the CEL patterns of cron.ts (the CRD checks schedules with them)', () => {
  it('say "never fires" exactly when parseCron does, over every month form', () => {
    const never = CRON_NEVER_FIRES_PATTERNS.map((p) => new RegExp(p));
    const doms = ['30', '31', '30,31', '29', '31,1', '30-31', '31/5', '*', '?', '*/1', '30/1', '1-31'];
    const dows = ['*', '?', '*/1', 'MON', '*,1', '*/2', '1-5'];
    const wrong: string[] = [];
    let refused = 0;
    for (const dom of doms) {
      for (const month of monthItems()) {
        for (const dow of dows) {
          const expr = `0 0 ${dom} ${month} ${dow}`;
          const parsed = parseCron(expr);
          if (!parsed.ok && !parsed.error.includes('never fires')) continue;
          const byParse = !parsed.ok;
          if (byParse) refused++;
          if (never.some((r) => r.test(expr)) !== byParse) wrong.push(expr);
        }
      }
    }
    assert.deepEqual(wrong.slice(0, 10), []);
    assert.ok(refused > 1000, `only ${refused} schedules that never fire were tried`);
  });

  it('refuse exactly the backwards ranges parseCron refuses, in every field', () => {
    const bounds: [number, number][] = [[0, 59], [0, 23], [1, 31], [1, 12], [0, 6]];
    const wrong: string[] = [];
    bounds.forEach(([lo, hi], i) => {
      const forward = new RegExp(forwardPositionalPattern(i));
      const shape = new RegExp(positionalPattern(i));
      for (let a = lo; a <= hi; a++) {
        for (let b = lo; b <= hi; b++) {
          const fields = ['*', '*', '*', '*', '*'];
          fields[i] = `${a}-${b}/7`;
          const expr = fields.join(' ');
          if ((shape.test(expr) && forward.test(expr)) !== parseCron(expr).ok) wrong.push(expr);
        }
      }
    });
    assert.deepEqual(wrong.slice(0, 10), []);
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
    { expr: '0 0 1 * */1', time: '2026-11-02T00:00:00Z', fires: false, why: 'a weekday step of 1 is unrestricted, as in the CronJob controller' },
    { expr: '0 0 29 2 *', time: '2028-02-29T00:00:00Z', fires: true, why: 'February 29 of a leap year' },
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
