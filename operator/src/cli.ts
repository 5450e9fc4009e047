/**
 * The one binary, `alertiger`, and its subcommands (design.md §8). Each subcommand lives in
 * commands/<name>.ts and is loaded only when called, so `alertiger stats` never pays for
 * TensorFlow or the Kubernetes client.
 */
import { describeError, AlertigerError } from './errors.js';

export interface Command {
  /** Runs the command; resolves to the process exit code. */
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
    summary: 'one monitoring run of a ModelMonitor, as its CronJob calls it',
    load: () => import('./commands/job.js'),
  },
  run: {
    usage: 'run -f monitor.yaml --data PATH',
    summary: 'one run of a ModelMonitor file on a local log, with an embedded store (no cluster)',
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
    'Run `alertiger COMMAND --help` for the options of one command.',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(helpText() + '\n');
    return name === undefined ? 2 : 0;
  }
  const entry = commands[name];
  if (entry === undefined) {
    process.stderr.write(`alertiger: unknown command "${name}"\n\n${helpText()}\n`);
    return 2;
  }
  try {
    const command = await entry.load();
    return await command.run(rest);
  } catch (err) {
    const code = err instanceof AlertigerError ? ` [${err.code}]` : '';
    process.stderr.write(`alertiger ${name}: ${describeError(err)}${code}\n`);
    return 1;
  }
}
