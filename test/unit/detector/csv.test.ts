import assert from 'node:assert/strict';
import { parseSeriesCsv, parseTimestamp } from '../../../operator/src/detector/csv.js';
import { UNLABELLED } from '../../../operator/src/detector/features.js';
import { AlertigerError } from '../../../operator/src/errors.js';

const fails = (text: string, message: RegExp) =>
  assert.throws(() => parseSeriesCsv(text, 'x.csv'), (e: unknown) => e instanceof AlertigerError && e.code === 'InvalidCsv' && message.test(e.message));

describe('parseTimestamp', () => {
  const cases: Array<[string, number | undefined]> = [
    ['2024-01-02', Date.UTC(2024, 0, 2)],
    ['2024-01-02T03:00:00', Date.UTC(2024, 0, 2, 3)],
    ['2024-01-02 03:00', Date.UTC(2024, 0, 2, 3)],
    ['2024-01-02T03:00:00+01:00', Date.UTC(2024, 0, 2, 2)],
    ['1704153600', Date.UTC(2024, 0, 2)],
    ['1704153600000', Date.UTC(2024, 0, 2)],
    ['yesterday', undefined],
    ['', undefined],
  ];
  for (const [text, expected] of cases) it(`reads "${text}"`, () => assert.equal(parseTimestamp(text), expected));
});

describe('parseSeriesCsv', () => {
  it('reads a headed file with labels, missing values and comments', () => {
    const s = parseSeriesCsv('# a series\ntimestamp,value,label\n2024-01-01,1.5,0\n2024-01-02,,1\n2024-01-03,NaN,\n', 'x.csv');
    assert.deepEqual(Array.from(s.timestamps), [Date.UTC(2024, 0, 1), Date.UTC(2024, 0, 2), Date.UTC(2024, 0, 3)]);
    assert.deepEqual(Array.from(s.values), [1.5, NaN, NaN]);
    assert.deepEqual(Array.from(s.labels ?? []), [0, 1, UNLABELLED]);
    assert.deepEqual(Array.from(s.lines), [3, 4, 5]);
    assert.deepEqual(s.valueText, ['1.5', '', 'NaN']);
  });

  it('reads a file without a header and finds columns by name when reordered', () => {
    assert.equal(parseSeriesCsv('2024-01-01,3\n2024-01-02,4\n', 'x.csv').labels, undefined);
    const s = parseSeriesCsv('value,timestamp\n3,2024-01-01\n', 'x.csv');
    assert.deepEqual(Array.from(s.values), [3]);
  });

  it('names file and line of a non-numeric value', () => fails('timestamp,value\n2024-01-01,1\n2024-01-02,abc\n', /^x\.csv:3: value "abc" is not a number/));
  it('names file and line of a bad timestamp', () => fails('timestamp,value\nsoon,1\n', /^x\.csv:2: "soon" is not a timestamp/));
  it('names file and line of a bad label', () => fails('timestamp,value,label\n2024-01-01,1,maybe\n', /^x\.csv:2: label "maybe"/));
  it('names file and line of a short row', () => fails('timestamp,value\n2024-01-01\n', /^x\.csv:2: expected 2 columns/));
});
