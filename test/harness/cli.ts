/**
 * Runs the compiled `alertiger` CLI in a separate process, as a user or a script would, and
 * collects its exit code and output.
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { packageRoot } from '../../operator/src/paths.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The compiled CLI beside this compiled harness (dist/ or a helper's own outDir). */
const cli = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'operator', 'src', 'cli.js');

/**
 * `env`: exactly this environment (and PATH) instead of the test's own, as a Pod would give the
 * job; absent, the child inherits the test's.
 */
export function alertiger(args: string[], cwd: string = packageRoot(), env?: Record<string, string>): Promise<CliResult> {
  const script = `import { main } from ${JSON.stringify(pathToFileURL(cli).href)}; process.exitCode = await main(process.argv.slice(1));`;
  return new Promise((resolve, reject) => {
    const childEnv = env === undefined ? process.env : { PATH: process.env.PATH ?? '', ...env };
    const child = spawn(process.execPath, ['--input-type=module', '-e', script, ...args], { cwd, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
