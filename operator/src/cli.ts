/**
 * The one binary, `alertiger`, and its subcommands (docs/design.md §8). Each subcommand lives in
 * commands/<name>.ts and is loaded only when called, so `alertiger stats` never pays for
 * TensorFlow or the Kubernetes client.
 *
 * Exit codes, the same for every command: 0 healthy (or not enough history), 1 anomalous,
 * 2 failed or bad input (an invalid monitor, a missing file, bad arguments, a run that failed).
 * A command returns 0 or 1 itself; anything it throws exits 2. `job` is the one exception: the
 * CronJob counts a non-zero exit as a failed Job and retries it, so an anomalous run exits 0.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describeError, AlertigerError } from './errors.js';
import { packageRoot } from './paths.js';

/** The exit codes of every command. */
export const EXIT_OK = 0;
export const EXIT_ANOMALOUS = 1;
export const EXIT_FAILED = 2;

export interface Command {
  /** Runs the command; resolves to the process exit code (EXIT_*); a thrown error exits EXIT_FAILED. */
  run(args: string[]): Promise<number>;
}

interface CommandEntry {
  usage: string;
  summary: string;
  load: () => Promise<Command>;
}

const commands: Record<string, CommandEntry> = {
  operator: {
    usage: 'operator [--namespaces A,B]',
    summary: 'run the controller: one CronJob per ModelMonitor, status, metrics, alert re-sends',
    load: () => import('./commands/operator.js'),
  },
  job: {
    usage: 'job --monitor NS/NAME',
    summary: 'one monitoring run of a ModelMonitor, as its CronJob calls it (exit 0 even when anomalous)',
    load: () => import('./commands/job.js'),
  },
  run: {
    usage: 'run -f monitor.yaml --data PATH [--replay [--from ISO] [--to ISO]]',
    summary: 'one run of a ModelMonitor file on a local log, with an embedded store (no cluster); --replay: every window of the log',
    load: () => import('./commands/run.js'),
  },
  stats: {
    usage: 'stats --data FILE [--format jsonl|csv|parquet] [--score F] [--label F]',
    summary: 'print the health statistics of one window of a log file as JSON',
    load: () => import('./commands/stats.js'),
  },
  detect: {
    usage: 'detect --input series.csv... [--granularity 1d|1h] [--output PATH]',
    summary: 'score time series with the two-stage detector; CSV in, CSV out',
    load: () => import('./commands/detect.js'),
  },
  train: {
    usage: 'train --data DIR|FILE... --output DIR',
    summary: 'retrain the detector on your own series and labels',
    load: () => import('./commands/train.js'),
  },
  demo: {
    usage: 'demo',
    summary: 'a synthetic model with an injected incident, end to end, ending with the report',
    load: () => import('./commands/demo.js'),
  },
};

export function helpText(): string {
  const width = Math.max(...Object.values(commands).map((c) => c.usage.length));
  const lines = Object.values(commands).map((c) => `  alertiger ${c.usage.padEnd(width)}  ${c.summary}`);
  return [
    'alertiger: ML model health monitoring for Kubernetes (AlerTiger method)',
    '',
    'Usage:',
    ...lines,
    '',
    'Run `alertiger COMMAND --help` for the options of one command, `alertiger --version` for the version.',
    '',
    'Exit status: 0 healthy (or not enough history), 1 anomalous, 2 failed or bad input',
    '(an invalid monitor, a missing file, bad arguments, a run that failed). `alertiger job`',
    'exits 0 on a successful run, anomalous or not, so its CronJob only counts failures.',
  ].join('\n');
}

/** The package's version, from its package.json. */
export function version(): string {
  const pkg = JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version?: string };
  return pkg.version ?? 'unknown';
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-V' || name === 'version') {
    process.stdout.write(`alertiger ${version()}\n`);
    return EXIT_OK;
  }
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(helpText() + '\n');
    return name === undefined ? EXIT_FAILED : EXIT_OK;
  }
  const entry = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (entry === undefined) {
    process.stderr.write(`alertiger: unknown command "${name}"\n\n${helpText()}\n`);
    return EXIT_FAILED;
  }
  try {
    const command = await entry.load();
    return await command.run(rest);
  } catch (err) {
    const code = err instanceof AlertigerError ? ` [${err.code}]` : '';
    process.stderr.write(`alertiger ${name}: ${describeError(err)}${code}\n`);
    return EXIT_FAILED;
  }
}
