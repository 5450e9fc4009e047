import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { V1CronJob } from '@kubernetes/client-node';
import { assembleFeedback, modelConfigMap, MODEL_VERSION_LABEL, type MonitorFeedback } from '../../../operator/src/commands/train-feedback.js';
import { initBackend } from '../../../operator/src/detector/backend.js';
import { bundleBytes, CONFIGMAP_MAX_BYTES, readBundle, releaseOf, stampRelease, writeBundle } from '../../../operator/src/detector/bundle.js';
import { loadDetector } from '../../../operator/src/detector/detector.js';
import { disposeModel, loadDetectorFiles, saveDetector } from '../../../operator/src/detector/io.js';
import { pretrainedModelPath } from '../../../operator/src/detector/paths.js';
import { buildCronJob } from '../../../operator/src/jobs/cronjob.js';
import { HASH_ANNOTATION } from '../../../operator/src/jobs/hash.js';
import { DETECTOR_ENV, MODEL_MOUNT_PATH, modelConfigMapError } from '../../../operator/src/jobs/model.js';
import { AlertigerError } from '../../../operator/src/errors.js';
import { validateSpec } from '../../../operator/src/api/validate.js';
import { silentLogger } from '../../../operator/src/log.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2025, 0, 6);

describe('a retrained model as a ConfigMap', () => {
  let dir: string;
  before(async () => {
    await initBackend({ logger: silentLogger });
    dir = await mkdtemp(path.join(os.tmpdir(), 'alertiger-bundle-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('flattens the pretrained model into ConfigMap keys that, mounted as files, load and score the same', async () => {
    const bundle = await readBundle(pretrainedModelPath());
    const keys = [...Object.keys(bundle.data), ...Object.keys(bundle.binaryData)].sort();
    assert.ok(keys.every((k) => /^[-._a-zA-Z0-9]+$/.test(k)), `ConfigMap keys: ${keys.join(', ')}`);
    assert.ok(keys.includes('detector.json') && keys.includes('1d.stage2.weights.bin'));
    const size = bundleBytes(bundle);
    assert.ok(size < CONFIGMAP_MAX_BYTES / 5, `the pretrained model takes ${size} bytes in a ConfigMap`);
    const mounted = path.join(dir, 'mounted');
    await import('node:fs/promises').then((fs) => fs.mkdir(mounted));
    await writeBundle(bundle, mounted);
    const series = [{ timestamps: Array.from({ length: 60 }, (_, i) => T0 + i * DAY), values: Array.from({ length: 60 }, (_, i) => 10 + (i % 7) + (i === 55 ? 30 : 0)), granularity: '1d' as const }];
    const a = await loadDetector(pretrainedModelPath());
    const b = await loadDetector(mounted);
    try {
      assert.deepEqual(b.score(series)[0].score, a.score(series)[0].score);
    } finally {
      a.dispose();
      b.dispose();
    }
  });

  it('versions a saved model by its content and records its parent', async () => {
    const out = path.join(dir, 'stamped');
    const { manifest, models } = await loadDetectorFiles(pretrainedModelPath());
    await saveDetector(out, models, { threshold: manifest.threshold });
    models.forEach(disposeModel);
    const version = await stampRelease(out, { parent: 'pretrained', createdAt: '2026-11-30T00:00:00.000Z', source: 'feedback' });
    assert.match(version, /^fb-[0-9a-f]{12}$/);
    assert.equal(await releaseOf(out), version);
    assert.equal(await releaseOf(pretrainedModelPath()), 'pretrained');
    const again = await stampRelease(out, { parent: 'pretrained', createdAt: '2026-12-01T00:00:00.000Z' });
    assert.equal(again, version, 'the same weights, the same version');
    const json = JSON.parse(await readFile(path.join(out, 'detector.json'), 'utf8')) as { release: { parent: string } };
    assert.equal(json.release.parent, 'pretrained');
    const cm = modelConfigMap({ namespace: 'ml', name: 'ranker-model-v2' }, await readBundle(out), { version, parent: 'pretrained' });
    assert.equal(cm.immutable, true);
    assert.equal(cm.metadata?.labels?.[MODEL_VERSION_LABEL], version);
    assert.equal(Buffer.from(cm.binaryData!['1d.stage1.weights.bin'], 'base64').length, (await readFile(path.join(out, '1d/stage1/weights.bin'))).length);
    assert.ok((await readdir(out)).includes('1h'));
  });
});

describe('the CronJob of a monitor with spec.detection.model', () => {
  const input = (modelConfigMap?: string): Parameters<typeof buildCronJob>[0] => ({
    monitor: { name: 'ranker', namespace: 'ml', uid: 'u' },
    spec: { schedule: '15 2 * * *', suspend: false, granularity: '1d', ...(modelConfigMap !== undefined ? { modelConfigMap } : {}) },
    job: { image: 'alertiger:test', influxUrl: 'http://influx:8086', influxDatabase: 'alertiger', resources: { requests: {}, limits: {} } },
  });
  const podOf = (o: unknown): NonNullable<NonNullable<V1CronJob['spec']>['jobTemplate']['spec']>['template']['spec'] =>
    (o as V1CronJob).spec!.jobTemplate.spec!.template.spec;

  it('mounts the ConfigMap read-only (optional, so the run can say it is missing) and points the job at it', () => {
    const pod = podOf(buildCronJob(input('ranker-model-v2')))!;
    assert.deepEqual(pod.volumes?.find((v) => v.name === 'detector-model'), { name: 'detector-model', configMap: { name: 'ranker-model-v2', optional: true } });
    const c = pod.containers[0];
    assert.deepEqual(c.volumeMounts?.find((m) => m.name === 'detector-model'), { name: 'detector-model', mountPath: MODEL_MOUNT_PATH, readOnly: true });
    assert.deepEqual(c.env?.find((e) => e.name === DETECTOR_ENV), { name: DETECTOR_ENV, value: MODEL_MOUNT_PATH });
  });

  it('has no model volume without it, and a rollback (another name) changes the CronJob', () => {
    const plain = podOf(buildCronJob(input()))!;
    assert.equal(plain.volumes?.some((v) => v.name === 'detector-model'), false);
    assert.equal(plain.containers[0].env?.some((e) => e.name === DETECTOR_ENV), false);
    const hash = (o: unknown): string | undefined => (o as { metadata: { annotations: Record<string, string> } }).metadata.annotations[HASH_ANNOTATION];
    assert.ok(hash(buildCronJob(input('ranker-model-v2'))));
    assert.notEqual(hash(buildCronJob(input('ranker-model-v2'))), hash(buildCronJob(input('ranker-model-v1'))));
  });

  it('names the ConfigMap when the mounted model is missing or corrupt', () => {
    const missing = modelConfigMapError('ml', 'ranker-model-v2', new AlertigerError('ModelNotFound', 'no detector at /etc/alertiger/model'));
    assert.equal(missing.code, 'ModelNotFound');
    assert.match(missing.message, /model ConfigMap ml\/ranker-model-v2 \(spec\.detection\.model\.configMapRef\) is missing/);
    const corrupt = modelConfigMapError('ml', 'ranker-model-v2', new AlertigerError('ModelInvalid', 'detector.json is not valid JSON'));
    assert.equal(corrupt.code, 'ModelInvalid');
    assert.match(corrupt.message, /ml\/ranker-model-v2 .* does not load: .*not valid JSON/);
  });
});

describe('assembleFeedback', () => {
  const days = 60;
  const times = Array.from({ length: days }, (_, i) => T0 + i * DAY);
  const monitor = (feedback: MonitorFeedback['feedback']): MonitorFeedback => ({
    namespace: 'ml',
    monitor: 'ranker',
    history: [
      { category: 'feature', subject: 'age', statistic: 'mean', times, values: times.map((_, i) => 30 + (i % 7)) },
      { category: 'score', subject: 'score', statistic: 'traffic', times, values: times.map(() => 1000) },
    ],
    flagged: [40, 41, 43, 50].map((d) => ({ category: 'feature' as const, subject: 'age', statistic: 'mean', time: T0 + d * DAY, observed: 0, baseline: 0, lower: 0, upper: 0, score: 0.9, severity: 2, anomaly: true })),
    feedback,
  });
  const verdict = (start: number, v: 'incident' | 'false-alarm', category: 'feature' | 'model' = 'feature') => ({
    namespace: 'ml', monitor: 'ranker', category, subject: category === 'model' ? 'model' : 'age', statistic: category === 'model' ? 'anomalous_feature_share' : 'mean',
    id: '0123456789', verdict: v, note: '', anomalyStart: new Date(T0 + start * DAY).toISOString(),
  });

  it('turns verdicts into anomaly windows over the flagged run (one-point gaps kept) and leaves unjudged runs unlabelled', () => {
    const a = assembleFeedback([monitor([verdict(40, 'false-alarm')])]);
    const set = a.byGranularity.get('1d')!;
    assert.equal(set.series.length, 2);
    assert.equal(set.names[0], 'ml/ranker/feature/age/mean');
    assert.deepEqual(set.anomalies, [{ series: 0, start: 40, end: 44, verdict: 'false-alarm' }]);
    assert.deepEqual(set.unlabelled, [{ series: 0, start: 50, end: 51 }]);
    assert.deepEqual(a.skipped, []);
  });

  it('skips a verdict on a model-level anomaly or outside the history, saying why', () => {
    const a = assembleFeedback([monitor([verdict(41, 'incident', 'model'), verdict(500, 'incident')])]);
    assert.equal(a.byGranularity.get('1d')!.anomalies.length, 0);
    assert.equal(a.skipped.length, 2);
    assert.match(a.skipped[0], /model-level anomaly/);
    assert.match(a.skipped[1], /outside the stored history/);
  });
});

describe('spec.detection.model validation', () => {
  const spec = (model: unknown): Record<string, unknown> => ({ model: { name: 'm' }, source: { file: { path: '/data/x.jsonl' } }, detection: { model } });

  it('accepts a ConfigMap name and names the field of a bad one', () => {
    assert.deepEqual(validateSpec(spec({ configMapRef: { name: 'detector-2026-12' } })), []);
    const bad = validateSpec(spec({ configMapRef: { name: 'Not_A_Name' } }));
    assert.deepEqual(bad.map((e) => e.field), ['spec.detection.model.configMapRef.name']);
    assert.deepEqual(validateSpec(spec({})).map((e) => e.field), ['spec.detection.model.configMapRef']);
  });
});
