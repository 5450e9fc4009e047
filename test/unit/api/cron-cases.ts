/**
 * Schedules and their verdicts, shared by the unit tests of cron.ts and validate.ts and by the
 * integration test that asks the real API server (the CRD's CEL rules must agree).
 */
export interface ScheduleCase {
  schedule: string;
  /** Accepted by parseCron (and so by validate.ts). */
  valid: boolean;
  /** Accepted by the CRD; since the CEL rules check ranges and impossible days, equal to `valid`. */
  crd: boolean;
  why: string;
}

const ok = (schedule: string, why: string): ScheduleCase => ({ schedule, valid: true, crd: true, why });
const bad = (schedule: string, why: string): ScheduleCase => ({ schedule, valid: false, crd: false, why });

export const SCHEDULE_CASES: readonly ScheduleCase[] = [
  ok('15 2 * * *', 'the daily default'),
  ok('5 * * * *', 'the hourly default'),
  ok('*/15 * * * *', 'a step over the whole range'),
  ok('0 9-17/2 * * 1-5', 'a stepped range and a weekday range'),
  ok('0,30 6,18 1,15 * *', 'lists'),
  ok('0 0 1 JAN,jul *', 'month names in any case'),
  ok('30 4 * * MON-FRI', 'weekday names in a range'),
  ok('0 3 ? * sun', 'a question mark in the day of month'),
  ok('05 07 09 03 06', 'leading zeros'),
  ok('0  2   *  * *', 'several spaces between fields'),
  ok('59 23 31 12 6', 'every field at its maximum'),
  ok('5/10 * * * *', 'a start with a step'),
  ok('@daily', 'a descriptor'),
  ok('@hourly', 'the hourly descriptor'),
  ok('@annually', 'a descriptor alias'),
  bad('61 2 * * *', 'minute out of range'),
  bad('0 24 * * *', 'hour out of range'),
  bad('0 0 0 * *', 'day of month 0'),
  bad('0 0 32 * *', 'day of month out of range'),
  bad('0 0 * 13 *', 'month out of range'),
  bad('0 0 * * 7', 'weekday 7 (the CronJob controller rejects it)'),
  bad('0 0 * FOO *', 'an unknown month name'),
  bad('15 2 * * MON-FUN', 'an unknown weekday name'),
  bad('*/0 * * * *', 'a zero step'),
  bad('0 15 2 * * *', 'six fields (seconds)'),
  bad('15 2 * *', 'four fields'),
  bad('@every 5m', 'an @every interval'),
  bad('@weekdays', 'an unknown descriptor'),
  bad('? * * * *', 'a question mark outside the day fields'),
  bad('1,,2 * * * *', 'an empty list item'),
  bad('1- * * * *', 'an open range'),
  bad(' 15 2 * * *', 'leading whitespace'),
  bad('30-5 * * * *', 'a backwards range'),
  bad('5-1 * * * *', 'a backwards minute range'),
  bad('0 0 * DEC-JAN *', 'a backwards month range'),
  bad('0 0 * * FRI-MON', 'a backwards weekday range'),
  bad('0 0 * * 1-SUN', 'a backwards range from a number to a name'),
  ok('0 0 * * SUN-6', 'a range from a name to a number'),
  ok('0 0 * feb-Apr *', 'a month range in mixed case'),
  bad('0 0 31 2 *', 'February has no day 31'),
  bad('0 0 30 FEB ?', 'February has no day 30'),
  bad('0 0 30,31 2 *', 'February has neither day 30 nor 31'),
  bad('0 0 31 4,6,9,11 *', 'day 31 in 30-day months only'),
  bad('0 0 31 4/5 *', 'day 31 in April and September (a stepped month)'),
  bad('0 0 31 2 */1', 'a step of 1 leaves the day of week unrestricted'),
  bad('0 0 31 2 *,1', 'a list holding * leaves the day of week unrestricted'),
  ok('0 0 29 2 *', 'February 29 fires in leap years'),
  ok('0 0 31 2 MON', 'a restricted day of week fires on Mondays in February'),
  ok('0 0 31 2,3 *', 'March has day 31'),
  ok('0 0 31 */2 *', 'odd months have day 31'),
  ok('0 0 30-31 4 *', 'April has day 30'),
  ok('0 0 1-31 2 *', 'February has days 1-28'),
];
