/**
 * Glob patterns as ModelMonitors use them: `schema.exclude` field-name patterns and local file
 * paths. `*` matches any run of characters (for paths, within one path segment), `?` one
 * character, `[abc]`/`[a-z]`/`[!a]` a class. Nothing else is special.
 */
export type GlobCompile = { ok: true; regex: RegExp } | { ok: false; error: string };

export function hasGlobChars(text: string): boolean {
  return /[*?[]/.test(text);
}

/** Compiles a glob to an anchored RegExp; `pathMode` keeps `*` and `?` from crossing '/'. */
export function compileGlob(glob: string, pathMode = false): GlobCompile {
  const any = pathMode ? '[^/]' : '[\\s\\S]';
  let out = '^';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') {
      out += `${any}*`;
    } else if (c === '?') {
      out += any;
    } else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end < 0) return { ok: false, error: `unclosed "[" at position ${i + 1}` };
      let body = glob.slice(i + 1, end);
      const negate = body.startsWith('!');
      if (negate) body = body.slice(1);
      out += `[${negate ? '^' : ''}${body.replace(/[\\\]^]/g, '\\$&')}]`;
      i = end;
    } else {
      out += c.replace(/[.+^${}()|\\/\]]/g, '\\$&');
    }
  }
  try {
    return { ok: true, regex: new RegExp(`${out}$`) };
  } catch (err) {
    // A class like [z-a] is refused by RegExp; report it as the glob's fault.
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}
