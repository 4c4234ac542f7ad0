/**
 * Safe text for the snippets of the newer recipes (Laravel, Go, API Gateway, stack-neutral, third-party):
 * header names and methods only when they are HTTP tokens (the rest named in a comment saying why), the
 * origin only when it is an origin, and strings escaped for the target language.
 */

/** RFC 9110 `token`: what a header name or a method may be. Linear, no backtracking. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

export function isToken(s: string): boolean {
  return TOKEN.test(s)
}

/** Splits a list into the HTTP tokens and the rest, which a snippet must never write as code. */
export function tokensOnly(xs: readonly string[]): { readonly ok: string[]; readonly dropped: string[] } {
  const ok: string[] = []
  const dropped: string[] = []
  for (const x of xs) (isToken(x) ? ok : dropped).push(x)
  return { ok, dropped }
}

/**
 * A comment naming what was left out and why. Only letters, digits, '-', '_', '.' and spaces are shown (the
 * rest as '?'), so nothing can end the comment or the language mode (a PHP `?>`, a `*\/`, a newline).
 */
export function droppedNote(comment: string, dropped: readonly string[]): string[] {
  if (dropped.length === 0) return []
  const shown = dropped.map((d) => `"${d.slice(0, 60).replace(/[^A-Za-z0-9 _.-]/g, '?')}"`)
  return [
    `${comment} Left out, not valid HTTP tokens (a header name or method must be one): ${shown.join(', ')}`,
  ]
}

/** The origin as a snippet may carry it: scheme://host[:port] (or "null"), else a placeholder. */
export function safeOrigin(origin: string): string {
  return origin === 'null' || /^[a-z][a-z0-9+.-]*:\/\/[A-Za-z0-9.\-[\]:]+$/i.test(origin)
    ? origin
    : 'https://your-page.example'
}

/** PHP single-quoted string: only \ and ' are special. */
export const phpString = (s: string): string => `'${s.replace(/[\\']/g, '\\$&')}'`

/** Go interpreted string literal: JSON's escapes are valid Go escapes, and JSON leaves no raw control chars. */
export const goString = (s: string): string =>
  JSON.stringify(s)
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029')

/** YAML double-quoted scalar: JSON strings are YAML. */
export const yamlString = (s: string): string => JSON.stringify(s)

/** JavaScript single-quoted string. */
export const jsString = (s: string): string =>
  `'${JSON.stringify(s).slice(1, -1).replace(/\\"/g, '"').replace(/'/g, "\\'")}'`
