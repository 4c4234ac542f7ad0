/** The fixed form of an origin allow-list regex, shared by the Apache and Caddy rules. */

/**
 * The regex without its ^ and $, each bare '.' (one no quantifier follows) escaped, so `app.example`
 * stops matching `appXexample`; escapes are kept as written. One pass.
 */
export function escapeBareDots(re: string): string {
  const body = re.replace(/^\^/, '').replace(/\$$/, '')
  let esc = ''
  for (let i = 0; i < body.length; i++) {
    const c = body[i] as string
    if (c === '\\') {
      esc += c + (body[i + 1] ?? '')
      i++
      continue
    }
    esc += c === '.' && !'*+?{'.includes(body[i + 1] ?? '') ? '\\.' : c
  }
  return esc
}
