/**
 * Glob patterns as ModelMonitors use them: `schema.exclude` field-name patterns and local file
 * paths. `*` matches any run of characters (for paths, within one path segment), `?` one
 * character, `[abc]`/`[a-z]`/`[!a]` a class. Nothing else is special.
 *
 * A class is kept simple enough that one regular expression (GLOB_PATTERN) says whether a glob
 * is valid, in JavaScript and in RE2 alike, so the CRD's CEL rules and compileGlob agree: it is
 * not empty, holds no `[`, `]`, `*`, `?` or `!` (a leading `!` negates it), has `-` only first or
 * last unless in a range, and a range runs forwards between two digits or two letters of the
 * same case.
 */
export type GlobCompile = { ok: true; regex: RegExp } | { ok: false; error: string };

export function hasGlobChars(text: string): boolean {
  return /[*?[]/.test(text);
}

/** Every forward range of one kind of character, e.g. `a-[a-z]|b-[b-z]|...`. */
function forwardRanges(first: string, last: string): string[] {
  const out: string[] = [];
  for (let c = first.charCodeAt(0); c <= last.charCodeAt(0); c++) {
    out.push(`${String.fromCharCode(c)}-[${String.fromCharCode(c)}-${last}]`);
  }
  return out;
}

const RANGE = `(?:${[...forwardRanges('0', '9'), ...forwardRanges('a', 'z'), ...forwardRanges('A', 'Z')].join('|')})`;
const CLASS_CHAR = '[^\\]\\[*?!-]';
/** A class's content after an optional leading `!`; `-` alone is a class of '-'. */
const CLASS_BODY = `(?:-|-?(?:${RANGE}|${CLASS_CHAR})+-?)`;

/** A valid glob, whole; the CRD's rules use this text verbatim (test/unit/api checks it). */
export const GLOB_PATTERN = `^(?:[^\\[]|\\[!?${CLASS_BODY}\\])*$`;

const CLASS_BODY_REGEX = new RegExp(`^${CLASS_BODY}$`);

/** Why a class's content (between `[` and `]`, `!` removed) is not valid, or undefined. */
function classProblem(body: string): string | undefined {
  if (body === '') return 'a class [] must not be empty';
  if (/[[*?!]/.test(body)) return `the class [${body}] must not hold [, *, ? or ! (only a leading ! negates it)`;
  if (CLASS_BODY_REGEX.test(body)) return undefined;
  const range = /(.)-(.)/.exec(body.slice(body.startsWith('-') ? 1 : 0));
  const shown = range === null ? body : `${range[1]}-${range[2]}`;
  return `the range ${shown} in [${body}] must run forwards between two digits or two letters of the same case`;
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
      const end = glob.indexOf(']', i + 1);
      if (end < 0) return { ok: false, error: `unclosed "[" at position ${i + 1}` };
      let body = glob.slice(i + 1, end);
      const negate = body.startsWith('!');
      if (negate) body = body.slice(1);
      const problem = classProblem(body);
      if (problem !== undefined) return { ok: false, error: problem };
      out += `[${negate ? '^' : ''}${body.replace(/[\\\]^]/g, '\\$&')}]`;
      i = end;
    } else {
      out += c.replace(/[.+^${}()|\\/\]]/g, '\\$&');
    }
  }
  return { ok: true, regex: new RegExp(`${out}$`) };
}
