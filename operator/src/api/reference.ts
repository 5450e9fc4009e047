/**
 * The ModelMonitor field reference, generated from the CRD's OpenAPI schema so the docs can
 * never disagree with what the API server enforces (docs/modelmonitor-reference.md is this
 * function's output; a unit test checks it is current, `npm run docs` rewrites it).
 */
export interface SchemaNode {
  type?: string;
  description?: string;
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  additionalProperties?: SchemaNode | boolean;
  required?: string[];
  enum?: unknown[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  pattern?: string;
  maxItems?: number;
  'x-kubernetes-validations'?: Array<{ rule: string; message?: string }>;
}

interface Row {
  path: string;
  type: string;
  required: boolean;
  constraints: string;
  description: string;
}

function typeOf(node: SchemaNode): string {
  if (node.type === 'array') return `[]${node.items !== undefined ? typeOf(node.items) : 'any'}`;
  if (node.type === 'object' && typeof node.additionalProperties === 'object') {
    return `map[string]${typeOf(node.additionalProperties)}`;
  }
  return node.type ?? 'word or number';
}

function constraintsOf(node: SchemaNode): string {
  const parts: string[] = [];
  if (node.enum !== undefined) parts.push(`one of ${node.enum.map((v) => `\`${String(v)}\``).join(', ')}`);
  if (node.default !== undefined) parts.push(`default \`${JSON.stringify(node.default)}\``);
  if (node.minimum !== undefined) parts.push(`>= ${node.minimum}`);
  if (node.maximum !== undefined) parts.push(`<= ${node.maximum}`);
  if (node.maxItems !== undefined) parts.push(`at most ${node.maxItems} items`);
  for (const rule of node['x-kubernetes-validations'] ?? []) {
    if (rule.message !== undefined) parts.push(rule.message);
  }
  return parts.join('; ');
}

function oneLine(text: string | undefined): string {
  return (text ?? '').replace(/\s+/g, ' ').replace(/\|/g, '\\|').trim();
}

function walk(node: SchemaNode, path: string, required: boolean, rows: Row[]): void {
  rows.push({ path, type: typeOf(node), required, constraints: constraintsOf(node), description: oneLine(node.description) });
  const children = node.properties ?? (node.type === 'array' ? node.items?.properties : undefined);
  const requiredSet = new Set(node.required ?? (node.type === 'array' ? node.items?.required : undefined) ?? []);
  const prefix = node.type === 'array' ? `${path}[]` : path;
  for (const [name, child] of Object.entries(children ?? {})) {
    walk(child, `${prefix}.${name}`, requiredSet.has(name), rows);
  }
}

/** Markdown tables of every spec and status field of the CRD's first version. */
export function renderReference(crd: { spec: { versions: Array<{ name: string; schema: { openAPIV3Schema: SchemaNode } }> } }): string {
  const version = crd.spec.versions[0];
  if (version === undefined) throw new Error('the CRD has no version');
  const root = version.schema.openAPIV3Schema;
  const sections: string[] = [
    '# ModelMonitor reference',
    '',
    `Generated from \`crds/modelmonitors.alertiger.io.yaml\` (version \`${version.name}\`) by \`npm run docs\`; do not edit by hand.`,
    '',
  ];
  for (const top of ['spec', 'status'] as const) {
    const node = root.properties?.[top];
    if (node === undefined) continue;
    const rows: Row[] = [];
    walk(node, top, root.required?.includes(top) ?? false, rows);
    sections.push(`## ${top}`, '', '| field | type | required | constraints | description |', '| --- | --- | --- | --- | --- |');
    for (const row of rows) {
      sections.push(`| \`${row.path}\` | ${row.type} | ${row.required ? 'yes' : ''} | ${oneLine(row.constraints)} | ${row.description} |`);
    }
    sections.push('');
  }
  return sections.join('\n');
}
