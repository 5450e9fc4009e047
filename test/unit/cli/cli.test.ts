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

  it('documents the exit codes, and that job exits 0 when anomalous', () => {
    assert.match(helpText(), /Exit status: 0 healthy \(or not enough history\), 1 anomalous, 2 failed or bad input/);
    assert.match(helpText(), /`alertiger job`\s+exits 0 on a successful run, anomalous or not/);
  });

  it('exits 2 for bad input of any command: a missing required option, an unknown option, a bad value', async () => {
    for (const args of [['run'], ['run', '-f', 'm.yaml', '--frobnicate'], ['detect'], ['demo', '--days', '3'], ['train', '--data', 'x'], ['run', '-f', 'm.yaml', '--from', '2026-01-01']]) {
      await assert.rejects(run('node', [bin, ...args]), (err: { code: number; stderr: string }) => {
        assert.equal(err.code, 2, `${args.join(' ')}: ${err.stderr}`);
        assert.match(err.stderr, new RegExp(`^alertiger ${args[0]}: `));
        return true;
      });
    }
  });

  it('exits non-zero naming an unknown command', async () => {
    await assert.rejects(run('node', [bin, 'frobnicate']), (err: { code: number; stderr: string }) => {
      assert.equal(err.code, 2);
      assert.match(err.stderr, /unknown command "frobnicate"/);
      return true;
    });
    await assert.rejects(run('node', [bin, 'toString']), (err: { code: number; stderr: string }) => {
      assert.equal(err.code, 2);
      assert.match(err.stderr, /unknown command "toString"/);
      return true;
    });
  });
});
