/**
 * Writes a synthetic model's inference log into an InfluxDB measurement, as a serving stack
 * that logs every request would: one point per request, tagged with the model, the inputs,
 * score and (late) label as fields. Timestamps in ms; numbers as floats.
 */
import { generateInferenceLog, type SyntheticLogOptions } from '../../operator/src/synthetic/index.js';

function escapeKey(s: string): string {
  return s.replace(/[,= ]/g, (c) => `\\${c}`);
}

function fieldValue(v: unknown): string | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : undefined;
  if (typeof v === 'string') return `"${v.replace(/["\\]/g, (c) => `\\${c}`)}"`;
  return undefined;
}

export async function writeInferenceLog(
  influxUrl: string,
  database: string,
  measurement: string,
  tags: Record<string, string>,
  options: SyntheticLogOptions,
): Promise<number> {
  const created = await fetch(`${influxUrl}/query`, { method: 'POST', body: new URLSearchParams({ q: `CREATE DATABASE "${database}"` }) });
  if (!created.ok) throw new Error(`CREATE DATABASE ${database}: HTTP ${created.status}`);
  const tagText = Object.entries(tags).map(([k, v]) => `,${escapeKey(k)}=${escapeKey(v)}`).join('');
  let lines: string[] = [];
  let count = 0;
  const flush = async (): Promise<void> => {
    if (lines.length === 0) return;
    const res = await fetch(`${influxUrl}/write?db=${encodeURIComponent(database)}&precision=ms`, { method: 'POST', body: lines.join('\n') });
    if (res.status !== 204) throw new Error(`write to ${database}: HTTP ${res.status} ${await res.text()}`);
    lines = [];
  };
  for (const row of generateInferenceLog(options)) {
    const fields = Object.entries(row)
      .filter(([k]) => k !== 'ts')
      .map(([k, v]) => [k, fieldValue(v)] as const)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${escapeKey(k)}=${v}`)
      .join(',');
    lines.push(`${escapeKey(measurement)}${tagText} ${fields} ${Date.parse(row.ts)}`);
    count++;
    if (lines.length >= 5000) await flush();
  }
  await flush();
  return count;
}

/** Rows of a query, as InfluxDB answers /query (first series only). */
export async function influxQuery(influxUrl: string, database: string, q: string): Promise<{ columns: string[]; values: unknown[][] }[]> {
  const res = await fetch(`${influxUrl}/query?db=${encodeURIComponent(database)}&epoch=ms&q=${encodeURIComponent(q)}`);
  const body = (await res.json()) as { results: Array<{ series?: Array<{ columns: string[]; values: unknown[][] }>; error?: string }> };
  if (body.results[0]?.error !== undefined) throw new Error(body.results[0].error);
  return body.results[0]?.series ?? [];
}
