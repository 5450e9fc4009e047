/**
 * Files of the repository for tests (the CRD, samples, fixtures), found from wherever the
 * compiled test runs (dist/ or a private outDir): the nearest folder above holding crds/.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';

function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'crds', 'modelmonitors.alertiger.io.yaml'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('repository root (with crds/) not found above the test');
    dir = parent;
  }
  return dir;
}

export const repoRoot: string = findRoot();
export const crdPath: string = join(repoRoot, 'crds', 'modelmonitors.alertiger.io.yaml');

export function repoFile(...parts: string[]): string {
  return join(repoRoot, ...parts);
}

/** The YAML files of a repository folder, sorted, as absolute paths. */
export function yamlFiles(...parts: string[]): string[] {
  const dir = repoFile(...parts);
  return readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort().map((f) => join(dir, f));
}

export function loadYaml(path: string): unknown {
  return yaml.load(readFileSync(path, 'utf8'));
}

export interface InvalidFixture {
  path: string;
  name: string;
  /** The rule, from the fixture's `# Invalid:` comment. */
  rule: string;
  /** The field the refusal must name, from its `# expect-field:` comment. */
  field: string;
  /** Text the refusal must also contain, from an optional `# expect-message:` comment. */
  message?: string;
  /** A secret in the fixture that no refusal may quote, from an optional `# never-echo:` comment. */
  neverEcho?: string;
  resource: unknown;
}

export function invalidFixtures(): InvalidFixture[] {
  return yamlFiles('test', 'fixtures', 'invalid').map((path) => {
    const text = readFileSync(path, 'utf8');
    const rule = /^# Invalid: (.+)$/m.exec(text)?.[1];
    const field = /^# expect-field: (\S+)$/m.exec(text)?.[1];
    if (rule === undefined || field === undefined) throw new Error(`${path} lacks its "# Invalid:" or "# expect-field:" comment`);
    const message = /^# expect-message: (.+)$/m.exec(text)?.[1];
    const neverEcho = /^# never-echo: (\S+)$/m.exec(text)?.[1];
    const name = path.split('/').pop()!.replace(/\.yaml$/, '');
    return {
      path, name, rule, field, ...(message === undefined ? {} : { message }), ...(neverEcho === undefined ? {} : { neverEcho }), resource: yaml.load(text),
    };
  });
}
