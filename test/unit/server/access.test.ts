import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AlertigerError } from '../../../operator/src/errors.js';
import { bearerToken, decideReportAccess, isLoopback, reportTokenSource, sameSecret } from '../../../operator/src/server/access.js';

const TOKEN = '0123456789abcdef0123456789abcdef';

describe('report access', () => {
  describe('isLoopback', () => {
    const cases: Array<[string | undefined, boolean]> = [
      ['127.0.0.1', true], ['127.10.0.3', true], ['::1', true], ['0:0:0:0:0:0:0:1', true], ['::ffff:127.0.0.1', true],
      ['192.0.2.2', false], ['10.0.0.1', false], ['::ffff:10.0.0.1', false], ['fd00::2', false], ['::', false],
      ['128.0.0.1', false], ['localhost', false], ['', false], [undefined, false],
    ];
    for (const [address, loopback] of cases) {
      it(`says ${String(address)} is ${loopback ? '' : 'not '}loopback`, () => {
        assert.equal(isLoopback(address), loopback);
      });
    }
  });

  describe('bearerToken', () => {
    const cases: Array<[string | undefined, string | undefined]> = [
      [`Bearer ${TOKEN}`, TOKEN], [`bearer ${TOKEN}`, TOKEN], [`Bearer  ${TOKEN} `, TOKEN],
      [undefined, undefined], ['', undefined], [`Basic ${TOKEN}`, undefined], ['Bearer', undefined], ['Bearer a b', undefined],
    ];
    for (const [header, token] of cases) {
      it(`reads ${JSON.stringify(header)} as ${JSON.stringify(token)}`, () => {
        assert.equal(bearerToken(header), token);
      });
    }
  });

  it('compares secrets of equal and unequal lengths', () => {
    assert.equal(sameSecret(TOKEN, TOKEN), true);
    assert.equal(sameSecret(TOKEN, `${TOKEN}x`), false);
    assert.equal(sameSecret(TOKEN, TOKEN.replace('0', '1')), false);
    assert.equal(sameSecret('', TOKEN), false);
  });

  describe('decideReportAccess', () => {
    const cases: Array<[string, string | undefined, string | undefined, string | undefined, 200 | 401 | 403]> = [
      ['allows a loopback client when no token is configured', '127.0.0.1', undefined, undefined, 200],
      ['allows an IPv6 loopback client when no token is configured', '::1', undefined, undefined, 200],
      ['refuses a remote client when no token is configured', '10.1.2.3', undefined, undefined, 403],
      ['refuses a remote client bearing some token when none is configured', '10.1.2.3', `Bearer ${TOKEN}`, undefined, 403],
      ['refuses a remote client without a token when one is configured', '10.1.2.3', undefined, TOKEN, 401],
      ['refuses a loopback client without a token when one is configured', '127.0.0.1', undefined, TOKEN, 401],
      ['refuses a wrong token', '10.1.2.3', `Bearer ${TOKEN.slice(1)}x`, TOKEN, 401],
      ['refuses the token sent as Basic credentials', '10.1.2.3', `Basic ${TOKEN}`, TOKEN, 401],
      ['allows a remote client with the token', '10.1.2.3', `Bearer ${TOKEN}`, TOKEN, 200],
      ['allows a loopback client with the token', '127.0.0.1', `Bearer ${TOKEN}`, TOKEN, 200],
    ];
    for (const [what, remoteAddress, authorization, token, status] of cases) {
      it(what, () => {
        const decision = decideReportAccess({ remoteAddress, authorization }, token);
        assert.equal(decision.allow ? 200 : decision.status, status);
        if (!decision.allow) assert.ok(decision.reason.length > 0);
      });
    }

    it('names how to open the pages to other clients when it refuses one', () => {
      const decision = decideReportAccess({ remoteAddress: '10.1.2.3', authorization: undefined }, undefined);
      assert.ok(!decision.allow);
      assert.match(decision.reason, /loopback clients only .*port-forward.*ALERTIGER_REPORT_TOKEN_FILE/);
    });
  });

  describe('reportTokenSource', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'alertiger-token-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('is undefined (loopback only) when neither a token nor a file is configured', () => {
      assert.equal(reportTokenSource({}), undefined);
    });

    it('returns the configured token', () => {
      assert.equal(reportTokenSource({ reportToken: TOKEN })?.(), TOKEN);
    });

    it('reads the file trimmed, and again on each call so a rotated Secret applies', () => {
      const file = join(dir, 'token');
      writeFileSync(file, `${TOKEN}\n`);
      const source = reportTokenSource({ reportTokenFile: file });
      assert.equal(source?.(), TOKEN);
      writeFileSync(file, `${TOKEN.toUpperCase()}\n`);
      assert.equal(source?.(), TOKEN.toUpperCase());
    });

    it('stops start-up with an InvalidConfig error naming a missing file', () => {
      const file = join(dir, 'absent');
      assert.throws(() => reportTokenSource({ reportTokenFile: file }),
        (err: unknown) => err instanceof AlertigerError && err.code === 'InvalidConfig' && err.message.includes(`cannot read ${file}: ENOENT`));
    });

    it('refuses a file with a short token, without echoing it', () => {
      const file = join(dir, 'token');
      writeFileSync(file, 'hunter2\n');
      assert.throws(() => reportTokenSource({ reportTokenFile: file }), (err: unknown) => err instanceof AlertigerError
        && /ALERTIGER_REPORT_TOKEN_FILE .*token: the report token has 7 characters; use at least 16/.test(err.message) && !err.message.includes('hunter2'));
    });

    it('throws on a call after the file disappears (the request is refused)', () => {
      const file = join(dir, 'token');
      writeFileSync(file, TOKEN);
      const source = reportTokenSource({ reportTokenFile: file });
      rmSync(file);
      assert.throws(() => source?.(), /cannot read/);
    });
  });
});
