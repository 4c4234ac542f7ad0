/**
 * The gate between what a website or a HAR sent and what a fix snippet may say: the method and header names
 * must be tokens, the origin a serialized origin. What fails is left out, and every snippet says so in a
 * comment (recipes never see it, so no recipe can paste it).
 */

import { isToken } from '../fetch-rules.ts'
import type { Fix } from '../fix.ts'
import { droppedNote, gateTokens, NOT_A_TOKEN } from './escape.ts'

export interface Dropped {
  /** In words: "the method", "the request header", "the Origin". */
  readonly what: string
  readonly value: string
  readonly why: string
}

/** scheme://host[:port] with a plain (or bracketed IPv6) host: the only origins a snippet quotes. */
const SERIALIZED_ORIGIN = /^[a-z][a-z0-9+.-]*:\/\/(\[[0-9a-f:.]+\]|[a-z0-9._-]+)(:[0-9]{1,5})?$/i

/** What stands in for an origin that cannot go into a snippet. */
export const PLACEHOLDER_ORIGIN = 'https://your-frontend.example'

export function isSnippetOrigin(origin: string): boolean {
  return origin === '*' || origin === 'null' || SERIALIZED_ORIGIN.test(origin)
}

/** The origin as a snippet may carry it, else the placeholder (for origins a server sent, past the gate). */
export function snippetOrigin(origin: string): string {
  return isSnippetOrigin(origin) ? origin : PLACEHOLDER_ORIGIN
}

export interface Gated {
  readonly origin: string
  readonly method: string
  readonly requestHeaders: readonly string[]
  readonly dropped: readonly Dropped[]
}

export function gate(origin: string, method: string, requestHeaders: readonly string[]): Gated {
  const dropped: Dropped[] = []
  const headers = gateTokens(requestHeaders)
  for (const h of headers.dropped) dropped.push({ what: 'the request header', value: h, why: NOT_A_TOKEN })
  const methodOk = isToken(method)
  if (!methodOk) dropped.push({ what: 'the method', value: method, why: NOT_A_TOKEN })
  const originOk = isSnippetOrigin(origin)
  if (!originOk)
    dropped.push({
      what: 'the Origin',
      value: origin,
      why: `not a serialized origin (scheme://host[:port]); put your page's origin where ${PLACEHOLDER_ORIGIN} stands`,
    })
  return {
    origin: originOk ? origin : PLACEHOLDER_ORIGIN,
    method: methodOk ? method : 'GET',
    requestHeaders: headers.kept,
    dropped,
  }
}

const PHP_OPEN = '<?php\n'

/**
 * The fix with a note per dropped value on top of its whole snippet (in the language it starts with). The
 * per-layer changes stay as they are: they never held the dropped value, and each is in its own language.
 */
export function withDroppedNotes(fix: Fix, dropped: readonly Dropped[], comment: '#' | '//'): Fix {
  if (dropped.length === 0) return fix
  const notes = dropped.map((d) => droppedNote(comment, d.what, d.value, d.why)).join('\n')
  // Text before `<?php` would be sent as output: PHP's notes go inside the block.
  if (fix.snippet.startsWith(PHP_OPEN))
    return { ...fix, snippet: `${PHP_OPEN}${notes}\n${fix.snippet.slice(PHP_OPEN.length)}` }
  return { ...fix, snippet: `${notes}\n${fix.snippet}` }
}
