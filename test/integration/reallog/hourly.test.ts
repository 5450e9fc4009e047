/**
 * Issue 10, "hourly monitors on traffic with quiet hours score 1 of 161 series and report
 * Healthy; the x1000 fault is never seen": the real log (FAA wildlife strikes) monitored hourly,
 * with no rows at all from 02:00 to 05:00 every night, replayed hour by hour with the CLI.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { alertiger } from '../../harness/cli.js';
import { buildRealLog, DAY_MS, type RealLog } from '../../fixtures/reallog/build.js';

describe('real log, hourly, with quiet hours (replayed by alertiger run --replay)', function () {
  this.timeout(600_000);
  let dir: string;
  let log: RealLog;
  let out: { code: number; stdout: string; stderr: string };
  const FAULT_DAY = 8;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'alertiger-hourly-'));
    log = await buildRealLog({ dir, days: 10, granularity: '1h', fault: { kind: 'unit', fromDay: FAULT_DAY } });
    // The first run backfills the week of history the hourly detector needs; then one run an hour.
    const from = new Date(log.start.getTime() + 7 * DAY_MS).toISOString();
    out = await alertiger(['run', '-f', log.monitorPath, '--replay', '--from', from, '--store', join(dir, 'store')], dir);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('finds the x1000 unit change on its first day and keeps it open through the quiet hours (exit 1)', () => {
    assert.equal(out.code, 1, out.stdout + out.stderr);
    const faultStart = new Date(log.start.getTime() + FAULT_DAY * DAY_MS).toISOString().slice(0, 10);
    const episode = /^feature\s+speed_knots\s+mean\s+(\S+ \S+)\s+(\S+)\s+(\d+)/m.exec(out.stdout);
    assert.ok(episode !== null, out.stdout);
    assert.equal(episode[1].slice(0, 10), faultStart, `the episode starts on the fault's first day: ${episode[0]}`);
    assert.equal(episode[2], 'open', 'and is still open at the end, across two nights without rows');
  });

  it('says how many series it scored, at least half of them', () => {
    const scored = /Scored (\d+) of (\d+) series/.exec(out.stdout);
    assert.ok(scored !== null, out.stdout);
    assert.ok(Number(scored[1]) >= Number(scored[2]) / 2, scored[0]);
  });
});
