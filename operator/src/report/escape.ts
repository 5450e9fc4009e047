/**
 * Escaping for the report page. Every string that reaches the page (monitor names, subjects,
 * error messages from a failed run) comes from users or dependencies, so none is trusted.
 */

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text safe in element content and in quoted attribute values. */
export function escapeHtml(text: unknown): string {
  return String(text).replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

/**
 * JSON safe inside a <script type="application/json"> element: no `<` (so no `</script>` or
 * `<!--`), no `>` or `&`, and no U+2028/U+2029 line separators.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
