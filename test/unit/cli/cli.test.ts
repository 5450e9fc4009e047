import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { helpText } from '../../../operator/src/cli.js';

const run = promisify(execFile);
const bin = fileURLToPath(new URL('../../../../bin/alertiger.js', import.meta.url));

describe('cli', () => {
  it('lists every subcommand of the command line contract in its help', () => {
    for (const name of ['operator', 'job', 'run', 'stats', 'detect', 'train', 'demo']) {
      assert.match(helpText(), new RegExp(`alertiger ${name}\\b`));
    }
  });

  it('prints help and exits 0 for --help through the package bin', async () => {
    const { stdout } = await run('node', [bin, '--help']);
    assert.match(stdout, /Usage:/);
  });

  it('exits non-zero naming an unknown command', async () => {
    await assert.rejects(run('node', [bin, 'frobnicate']), (err: { code: number; stderr: string }) => {
      assert.equal(err.code, 2);
      assert.match(err.stderr, /unknown command "frobnicate"/);
      return true;
    });
  });
});
