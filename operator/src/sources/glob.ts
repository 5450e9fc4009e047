/**
 * Expands a local path glob (`*`, `?`, `[...]` in any segment, never crossing '/') into the
 * files it matches, sorted. Hidden entries match only a segment that starts with '.'.
 */
import { readdir, stat } from 'node:fs/promises';
import { isAbsolute, join, resolve, sep } from 'node:path';
import { compileGlob, hasGlobChars } from '../api/glob.js';

export async function expandGlob(pattern: string): Promise<string[]> {
  const absolute = isAbsolute(pattern) ? pattern : resolve(pattern);
  if (!hasGlobChars(absolute)) return [absolute];
  const segments = absolute.split(sep).filter((s, i) => i === 0 || s.length > 0);
  let bases = [segments[0] === '' ? sep : segments[0]];
  for (let i = 1; i < segments.length; i++) {
    const segment = segments[i];
    const last = i === segments.length - 1;
    const next: string[] = [];
    if (!hasGlobChars(segment)) {
      for (const b of bases) next.push(join(b, segment));
    } else {
      const compiled = compileGlob(segment, true);
      if (!compiled.ok) throw new RangeError(`"${pattern}" is not a valid glob: ${compiled.error}`);
      for (const b of bases) {
        const entries = await readdir(b, { withFileTypes: true }).catch(() => []);
        for (const e of entries) {
          if (e.name.startsWith('.') && !segment.startsWith('.')) continue;
          if (!compiled.regex.test(e.name)) continue;
          const isDir = e.isDirectory() || (e.isSymbolicLink() && (await stat(join(b, e.name)).catch(() => undefined))?.isDirectory() === true);
          if (last ? !isDir : isDir) next.push(join(b, e.name));
        }
      }
    }
    bases = next;
  }
  const files: string[] = [];
  for (const p of bases) if ((await stat(p).catch(() => undefined))?.isFile() === true) files.push(p);
  return files.sort();
}
