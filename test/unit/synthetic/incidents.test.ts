import assert from 'node:assert/strict';
import { generateInferenceLog, type Incident, type InferenceRow } from '../../../operator/src/synthetic/index.js';

// Days 0-9 of a log starting Monday 2026-01-05; incidents on days 6-8 (2026-01-11 .. 01-13).
const options = { seed: 5, days: 10, rowsPerDay: 1500 };
const window = { fromDay: 6, toDay: 9 };
const isIncidentDay = (r: InferenceRow): boolean => r.ts >= '2026-01-11' && r.ts < '2026-01-14';

function split(incident: Incident): { before: InferenceRow[]; during: InferenceRow[]; after: InferenceRow[]; all: InferenceRow[] } {
  const all = [...generateInferenceLog({ ...options, incidents: [incident] })];
  return {
    all,
    before: all.filter((r) => r.ts < '2026-01-11'),
    during: all.filter(isIncidentDay),
    after: all.filter((r) => r.ts >= '2026-01-14'),
  };
}

const missingRate = (rs: InferenceRow[], f: string): number => rs.filter((r) => r[f] === null || r[f] === undefined).length / rs.length;
const mean = (rs: InferenceRow[], f: string): number => {
  const xs = rs.map((r) => r[f]).filter((v): v is number => typeof v === 'number');
  return xs.reduce((s, x) => s + x, 0) / xs.length;
};
const share = (rs: InferenceRow[], f: string, v: string): number => rs.filter((r) => r[f] === v).length / rs.length;

describe('incidents', () => {
  it('leaves every row outside the incident days exactly as in the clean log', () => {
    const clean = [...generateInferenceLog(options)];
    const { all } = split({ kind: 'shift', feature: 'age', by: 20, ...window });
    assert.deepEqual(all.filter((r) => !isIncidentDay(r)), clean.filter((r) => !isIncidentDay(r)));
  });

  it('raises the missing rate of the named feature on the incident days only', () => {
    const { before, during, after } = split({ kind: 'missing', feature: 'click_rate', rate: 0.4, ...window });
    assert.equal(missingRate(before, 'click_rate'), 0);
    assert.ok(Math.abs(missingRate(during, 'click_rate') - 0.4) < 0.03, `during ${missingRate(during, 'click_rate')}`);
    assert.equal(missingRate(after, 'click_rate'), 0);
  });

  it('shifts the mean of a numeric feature by the given amount', () => {
    const { before, during } = split({ kind: 'shift', feature: 'age', by: 15, ...window });
    const delta = mean(during, 'age') - mean(before, 'age');
    assert.ok(Math.abs(delta - 15) < 1.5, `mean moved by ${delta}`);
  });

  it('scales a feature for a unit change', () => {
    const { before, during } = split({ kind: 'shift', feature: 'purchase_amount', scale: 100, ...window });
    const ratio = mean(during, 'purchase_amount') / mean(before, 'purchase_amount');
    assert.ok(ratio > 60 && ratio < 160, `mean ratio ${ratio}`);
  });

  it('makes a feature constant', () => {
    const { before, during } = split({ kind: 'constant', feature: 'tenure_days', ...window });
    assert.deepEqual(new Set(during.map((r) => r.tenure_days)), new Set([0]));
    assert.ok(new Set(before.map((r) => r.tenure_days)).size > 100);
  });

  it('introduces an unseen category with the given share', () => {
    const { before, during } = split({ kind: 'newCategory', feature: 'country', category: 'NG', share: 0.25, ...window });
    assert.equal(share(before, 'country', 'NG'), 0);
    assert.ok(Math.abs(share(during, 'country', 'NG') - 0.25) < 0.03);
  });

  it('shifts the score distribution', () => {
    const { before, during } = split({ kind: 'scoreShift', by: 1.2, ...window });
    assert.ok(mean(during, 'score') > mean(before, 'score') + 0.08, `${mean(during, 'score')} vs ${mean(before, 'score')}`);
  });

  it('drops traffic to the given factor while the rows kept stay unchanged', () => {
    const clean = [...generateInferenceLog(options)].filter(isIncidentDay);
    const { during } = split({ kind: 'trafficDrop', factor: 0.2, ...window });
    const ratio = during.length / clean.length;
    assert.ok(ratio > 0.17 && ratio < 0.23, `traffic ratio ${ratio}`);
    const cleanByTs = new Map(clean.map((r) => [r.ts + r.score, r]));
    for (const r of during.slice(0, 100)) assert.deepEqual(r, cleanByTs.get(r.ts + r.score));
  });

  it('lets a feature incident degrade the score but not the labels', () => {
    const clean = [...generateInferenceLog(options)].filter(isIncidentDay);
    const { during } = split({ kind: 'constant', feature: 'click_rate', value: 0.9, ...window });
    assert.ok(mean(during, 'score') > mean(clean, 'score') + 0.1);
    assert.deepEqual(during.map((r) => r.label), clean.map((r) => r.label));
  });

  it('refuses an incident on an unknown feature or with a bad range', () => {
    const bad: Incident[] = [
      { kind: 'missing', feature: 'nope', rate: 0.5, fromDay: 1 },
      { kind: 'shift', feature: 'country', by: 1, fromDay: 1 },
      { kind: 'newCategory', feature: 'age', category: 'x', share: 0.1, fromDay: 1 },
      { kind: 'trafficDrop', factor: 2, fromDay: 1 },
      { kind: 'scoreShift', by: 1, fromDay: 3, toDay: 2 },
    ];
    for (const incident of bad) {
      assert.throws(() => [...generateInferenceLog({ ...options, incidents: [incident] })], { code: 'InvalidIncident' });
    }
  });
});
