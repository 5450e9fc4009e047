/**
 * A detector directory as the data of one ConfigMap, and its version (issue 13: rollout of a
 * retrained model by spec, rollback by pointing the spec back).
 *
 * ConfigMap keys cannot hold a `/`, so the bundle is a flat detector directory: `detector.json`
 * names its models `1d.stage1.model.json`, and each model.json names its weights
 * `1d.stage1.weights.bin`. Mounted as a volume (one file per key), it is a detector directory
 * loadDetector reads unchanged. JSON goes in `data`, weights in `binaryData`. The shipped model is
 * 53 KB of files, 62 KB in a ConfigMap (weights base64-encoded), far under its 1 MiB.
 *
 * Versions: detector.json gets `release: {version, parent, createdAt, ...provenance}`. The version
 * is `fb-` + 12 hex characters of the sha256 of every model file, so the same weights always
 * carry the same version and different weights never do.
 */
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AlertigerError } from '../errors.js';
import { readManifest, type DetectorManifest } from './io.js';

/** A ConfigMap's key limit (and Kubernetes' object size limit, with room for metadata). */
export const CONFIGMAP_MAX_BYTES = 1_000_000;
export const MANIFEST_FILE = 'detector.json';

/** What detector.json says about where a model comes from. */
export interface Release {
  version: string;
  /** The version it was fine-tuned from ("pretrained" for the shipped model). */
  parent: string;
  createdAt: string;
  [provenance: string]: unknown;
}

export type ManifestWithRelease = DetectorManifest & { release?: Release };

export interface Bundle {
  data: Record<string, string>;
  binaryData: Record<string, Buffer>;
}

const flat = (p: string): string => p.split('/').join('.');

/** The flat bundle of a detector directory (nested as saveDetector writes it, or already flat). */
export async function readBundle(dir: string): Promise<Bundle> {
  const manifest = (await readManifest(dir)) as ManifestWithRelease;
  const bundle: Bundle = { data: {}, binaryData: {} };
  const out: ManifestWithRelease = { ...manifest, granularities: {} };
  for (const [g, entry] of Object.entries(manifest.granularities)) {
    if (entry === undefined) continue;
    const models: Record<'stage1' | 'stage2', string> = { stage1: '', stage2: '' };
    for (const stage of ['stage1', 'stage2'] as const) {
      const file = path.join(dir, entry[stage]);
      let json: { weightsManifest?: Array<{ paths: string[] }> };
      try {
        json = JSON.parse(await readFile(file, 'utf8')) as typeof json;
      } catch (err) {
        throw new AlertigerError('ModelInvalid', `cannot read the tfjs model ${file}`, { cause: err });
      }
      const key = flat(entry[stage]);
      const base = key.replace(/model\.json$/, '');
      for (const group of json.weightsManifest ?? []) {
        group.paths = await Promise.all(group.paths.map(async (p) => {
          const weightsKey = `${base}${flat(p)}`;
          bundle.binaryData[weightsKey] = await readFile(path.join(path.dirname(file), p));
          return weightsKey;
        }));
      }
      bundle.data[key] = JSON.stringify(json) + '\n';
      models[stage] = key;
    }
    out.granularities[g as keyof DetectorManifest['granularities']] = { spec: entry.spec, ...models };
  }
  bundle.data[MANIFEST_FILE] = JSON.stringify(out, null, 2) + '\n';
  const size = bundleBytes(bundle);
  if (size > CONFIGMAP_MAX_BYTES) throw new AlertigerError('ModelInvalid', `the detector at ${dir} is ${size} bytes encoded, over a ConfigMap's ${CONFIGMAP_MAX_BYTES}`);
  return bundle;
}

/** Bytes the bundle takes in a ConfigMap (binary data base64-encoded). */
export function bundleBytes(b: Bundle): number {
  let n = 0;
  for (const [k, v] of Object.entries(b.data)) n += k.length + Buffer.byteLength(v);
  for (const [k, v] of Object.entries(b.binaryData)) n += k.length + Math.ceil(v.length / 3) * 4;
  return n;
}

/** Writes a bundle's keys as files, as the kubelet mounts a ConfigMap. */
export async function writeBundle(b: Bundle, dir: string): Promise<void> {
  for (const [k, v] of Object.entries(b.data)) await writeFile(path.join(dir, k), v);
  for (const [k, v] of Object.entries(b.binaryData)) await writeFile(path.join(dir, k), v);
}

/** The content version of a detector directory's model files (not detector.json's provenance). */
export async function modelVersion(dir: string): Promise<string> {
  const b = await readBundle(dir);
  const hash = createHash('sha256');
  const manifest = JSON.parse(b.data[MANIFEST_FILE]) as ManifestWithRelease;
  hash.update(JSON.stringify(manifest.granularities));
  for (const k of Object.keys(b.binaryData).sort()) hash.update(k).update(b.binaryData[k]);
  for (const k of Object.keys(b.data).sort()) if (k !== MANIFEST_FILE) hash.update(k).update(b.data[k]);
  return `fb-${hash.digest('hex').slice(0, 12)}`;
}

/** The release of a detector directory's manifest; "pretrained" when it has none. */
export async function releaseOf(dir: string): Promise<string> {
  const manifest = (await readManifest(dir)) as ManifestWithRelease;
  return manifest.release?.version ?? 'pretrained';
}

/** Adds `release` to a saved detector's manifest; returns the version. */
export async function stampRelease(dir: string, release: { parent: string; createdAt: string } & Record<string, unknown>): Promise<string> {
  const version = await modelVersion(dir);
  const file = path.join(dir, MANIFEST_FILE);
  const manifest = (await readManifest(dir)) as ManifestWithRelease;
  manifest.release = { ...release, version };
  await writeFile(file, JSON.stringify(manifest, null, 2) + '\n');
  return version;
}
