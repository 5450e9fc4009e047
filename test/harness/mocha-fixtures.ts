/**
 * Mocha global fixtures: the full test run starts the real servers before any test (so a
 * server that cannot start fails the run at once, with its log) and stops them at the end.
 * ALERTIGER_TEST_SERVERS=lazy (unit-only runs) starts them only if a test asks.
 */
import { realServers, realServersStarted, stopRealServers } from './index.js';

export async function mochaGlobalSetup(): Promise<void> {
  if (process.env.ALERTIGER_TEST_SERVERS === 'lazy') return;
  const servers = await realServers();
  process.stdout.write(`${servers.componentsLine}\n`);
}

export async function mochaGlobalTeardown(): Promise<void> {
  if (realServersStarted()) await stopRealServers();
}
