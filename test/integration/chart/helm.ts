/**
 * Helpers of the chart and manifest tests: the helm binary built from the Go module proxy by
 * test/controlplane/build.sh, YAML documents, and RBAC rules compared as sets of grants.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import yaml from 'js-yaml';
import { goBinary } from '../../harness/binaries.js';
import { repoRoot } from '../../harness/golden.js';

const exec = promisify(execFile);

export const root = repoRoot();
export const chartDir = join(root, 'charts', 'alertiger');

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function helm(args: string[]): Promise<RunResult> {
  return run(goBinary('helm'), args);
}

export async function run(command: string, args: string[]): Promise<RunResult> {
  try {
    const { stdout, stderr } = await exec(command, args, { maxBuffer: 32 << 20, env: { ...process.env, HELM_CACHE_HOME: '/tmp/alertiger-helm-cache', HELM_CONFIG_HOME: '/tmp/alertiger-helm-config', HELM_DATA_HOME: '/tmp/alertiger-helm-data' } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? String(err) };
  }
}

export interface KubeDoc {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

export function parseDocs(text: string): KubeDoc[] {
  return yaml.loadAll(text).filter((d): d is KubeDoc => d !== null && typeof d === 'object');
}

export function readDocs(...path: string[]): KubeDoc[] {
  return parseDocs(readFileSync(join(root, ...path), 'utf8'));
}

export function findDoc(docs: KubeDoc[], kind: string, name?: string): KubeDoc {
  const doc = docs.find((d) => d.kind === kind && (name === undefined || d.metadata.name === name));
  if (doc === undefined) throw new Error(`no ${kind}${name ? ` ${name}` : ''} among ${docs.map((d) => `${d.kind}/${d.metadata.name}`).join(', ')}`);
  return doc;
}

interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
  resourceNames?: string[];
}

/** A role's rules as sorted "group resource verb [name]" grants, so grouping does not matter. */
export function grants(role: KubeDoc): string[] {
  const out = new Set<string>();
  for (const rule of (role.rules ?? []) as PolicyRule[]) {
    for (const group of rule.apiGroups ?? ['']) {
      for (const resource of rule.resources ?? []) {
        for (const verb of rule.verbs) {
          for (const name of rule.resourceNames ?? ['*']) out.add(`${group || 'core'} ${resource} ${verb} ${name}`);
        }
      }
    }
  }
  return [...out].sort();
}
