import assert from 'node:assert/strict';
import { axisTimeLabels, formatDuration, formatNumber, formatTime, niceTicks } from '../../../operator/src/report/format.js';
import { escapeHtml, jsonForScript } from '../../../operator/src/report/escape.js';

describe('report format', () => {
  it('picks round tick values that cover the range', () => {
    assert.deepEqual(niceTicks(0.3, 4.6, 4), [1, 2, 3, 4]);
    assert.deepEqual(niceTicks(0.052, 0.071, 4), [0.055, 0.06, 0.065, 0.07]);
    assert.deepEqual(niceTicks(35, 35, 4), [35]);
  });

  it('formats times in UTC and axis labels as dates for daily series', () => {
    assert.equal(formatTime('2026-02-18T02:15:07Z'), '2026-02-18 02:15 UTC');
    assert.equal(formatTime('not a time'), 'not a time');
    assert.equal(formatTime(undefined), '–');
    assert.deepEqual(axisTimeLabels(['2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z']), ['2026-01-01', '2026-01-02']);
    assert.deepEqual(axisTimeLabels(['2026-01-01T00:00:00Z', '2026-01-01T01:00:00Z']), ['01-01 00:00', '01-01 01:00']);
  });

  it('formats numbers and durations for reading', () => {
    assert.equal(formatNumber(38.234567), '38.23');
    assert.equal(formatNumber(null), '–');
    assert.equal(formatDuration(850), '850 ms');
    assert.equal(formatDuration(9_870), '9.9 s');
    assert.equal(formatDuration(125_000), '2 min 5 s');
  });

  it('escapes markup characters in text and in JSON for a script element', () => {
    assert.equal(escapeHtml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    const json = jsonForScript({ s: '</script><!-- \u2028' });
    assert.doesNotMatch(json, /[<>\u2028]/);
    assert.deepEqual(JSON.parse(json), { s: '</script><!-- \u2028' });
  });
});
