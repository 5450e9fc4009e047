/**
 * Where the harness finds its real servers: the Go-built control plane in the cache that
 * test/controlplane/build.sh fills, and the Debian packages on PATH.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';

export function testBinDir(): string {
  return process.env.ALERTIGER_TESTBIN ?? join(process.env.ALERTIGER_BIN_CACHE ?? join(homedir(), '.cache/alertiger/testbin'), 'bin');
}

/** The path of a Go-built binary, or an error that says how to build it. */
export function goBinary(name: string): string {
  const path = join(testBinDir(), name);
  if (!existsSync(path)) {
    throw new Error(`${name} is not built at ${path}: run test/controlplane/build.sh (or set ALERTIGER_TESTBIN)`);
  }
  return path;
}

/** The path of a program on PATH, or an error naming the Debian package that provides it. */
export function systemBinary(name: string, debianPackage: string): string {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const path = join(dir, name);
    if (dir !== '' && existsSync(path)) return path;
  }
  throw new Error(`${name} not found on PATH: apt-get install ${debianPackage}`);
}

/** First match of `pattern` in the output of `command args` (stdout and stderr). */
export function versionOf(command: string, args: string[], pattern: RegExp): string {
  let output: string;
  try {
    output = execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    output = `${e.stdout ?? ''}${e.stderr ?? ''}`;
  }
  return pattern.exec(output)?.[1] ?? 'unknown';
}
