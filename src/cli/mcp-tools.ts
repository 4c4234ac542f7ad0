/**
 * The MCP server's three tools, each the same code path as its command: `check_url` is `check --json`,
 * `explain_har` is `explain --json`, `lint_config` is `lint --json`. Arguments become the command's
 * options (so they are validated by the same code), and the answer is the command's JSON object plus the
 * short text of mcp-answer.ts.
 */
import { isIP } from 'node:net'
import { z } from 'zod'
import { headerValue, isToken, LINT_LIMITS, type LintServer } from '../core/index.ts'
import { type CheckOptions, checkReport, parseCheckArgs, type Sender } from './check.ts'
import { explainEach, readHar } from './explain.ts'
import { CliError } from './io.ts'
import { lintFindings } from './lint.ts'
import { predictLocalNetwork } from './lna.ts'
import { checkAnswer, explainAnswer, lintAnswer } from './mcp-answer.ts'
import { hasControl, type Roots } from './mcp-roots.ts'
import type { JsonEntry } from './report.ts'

/** What a tool hands back: its text answer (one string per line) and the command's JSON object. */
export interface Answer {
  readonly lines: readonly string[]
  readonly json: unknown
}

export interface ToolContext {
  readonly roots: Roots
  readonly send?: Sender
}

/** A request body larger than this is refused: CORS never depends on the body, only a server's answer may. */
export const MAX_DATA_CHARS = 1024 * 1024

// ---------------------------------------------------------------------------------------------------------
// check_url

export const checkUrlShape = {
  url: z.string().max(8192).describe('The URL the page requests (http or https).'),
  origin: z
    .string()
    .max(2048)
    .describe('The origin of the page making the request, e.g. https://app.example (no path).'),
  method: z.string().max(64).optional().describe('The request method (default GET).'),
  headers: z
    .record(z.string().max(256), z.string().max(16_384))
    .optional()
    .describe(
      'Headers the page sets, as {"Name": "value"}. A Cookie is sent only with credentials. Headers a page may not set (Host, Sec-*, …) are left out, as fetch() does.',
    ),
  credentials: z
    .union([z.boolean(), z.enum(['omit', 'same-origin', 'include'])])
    .optional()
    .describe("fetch()'s credentials mode: true or 'include' sends cookies (default: omit)."),
  upstream: z
    .union([z.string().max(300), z.array(z.string().max(300)).max(16)])
    .optional()
    .describe(
      "Where to connect instead of asking DNS, like curl --resolve / check --resolve: an IP address for the URL's host (e.g. 127.0.0.1 to test a local or staging server under the real host name), or HOST:ADDRESS pairs for the hosts of a redirect chain. The Host header and the URL stay as given.",
    ),
  data: z
    .string()
    .max(MAX_DATA_CHARS)
    .optional()
    .describe(
      "The request body (fetch()'s body, a string), sent with the request, never with its preflight. Without a Content-Type header it gets text/plain;charset=UTF-8, as fetch() gives a string body. Not with GET or HEAD.",
    ),
}

export const CHECK_URL_DESCRIPTION =
  "Check whether a browser page at `origin` could read `url`: sends the CORS preflight when a browser would, then the request with that Origin, follows redirects as fetch() does, and judges the raw header lines as Chromium does (Chromium's CorsError, the layer that sent each header, the recommended fix). Returns a short answer to quote, then the JSON of `cors-lens check --json`. Network: only the URL asked for (and the redirects it answers with); no other request is made."

type CheckUrlArgs = z.infer<z.ZodObject<typeof checkUrlShape>>

function refuseControls(values: Record<string, string | undefined>): void {
  for (const [name, value] of Object.entries(values))
    if (value !== undefined && hasControl(value))
      throw new CliError(`${name}: has a control character (CR, LF, NUL, ESC…), which fetch() refuses`)
}

function credentialsFlag(c: CheckUrlArgs['credentials']): string[] {
  return c === true || c === 'include' ? ['--credentials'] : []
}

/** The same arguments `cors-lens check` would get, so the same code validates them. */
function checkArgv(a: CheckUrlArgs): string[] {
  const headers = Object.entries(a.headers ?? {})
  return [
    `--origin=${a.origin}`,
    `--method=${a.method ?? 'GET'}`,
    ...headers.map(([name, value]) => `--header=${name}: ${value}`),
    ...credentialsFlag(a.credentials),
    '--',
    a.url,
  ]
}

/** `upstream` as check's resolve map: an address for the URL's host, or HOST:ADDRESS pairs. */
function upstreamMap(upstream: CheckUrlArgs['upstream'], url: string): Map<string, string> {
  const map = new Map<string, string>()
  const items = upstream === undefined ? [] : typeof upstream === 'string' ? [upstream] : upstream
  for (const item of items) {
    refuseControls({ upstream: item })
    const bare = item.replace(/^\[|\]$/g, '')
    if (isIP(bare)) {
      map.set(new URL(url).hostname.replace(/^\[|\]$/g, '').toLowerCase(), bare)
      continue
    }
    const colon = item.indexOf(':')
    const address = item.slice(colon + 1).replace(/^\[|\]$/g, '')
    if (colon <= 0 || !isIP(address))
      throw new CliError(`upstream "${item}": expected an IP address, or HOST:ADDRESS with an IP address`)
    map.set(item.slice(0, colon).toLowerCase(), address)
  }
  return map
}

/** fetch() with a string body: refused for GET/HEAD, and Content-Type text/plain;charset=UTF-8 if none. */
function withBody(o: CheckOptions, data: string | undefined): CheckOptions {
  if (data === undefined) return o
  if (o.method === 'GET' || o.method === 'HEAD')
    throw new CliError(`data: fetch() throws a TypeError for a ${o.method} request with a body`)
  const headers =
    headerValue(o.headers, 'content-type') === null
      ? [...o.headers, { name: 'Content-Type', value: 'text/plain;charset=UTF-8' }]
      : o.headers
  return { ...o, headers, body: data }
}

export async function checkUrl(a: CheckUrlArgs, ctx: ToolContext): Promise<Answer> {
  refuseControls({ url: a.url, origin: a.origin, method: a.method })
  for (const name of Object.keys(a.headers ?? {}))
    if (!isToken(name)) throw new CliError(`headers: "${name}" is not a header name`)
  const { json: _json, dropped, originAddress, ...parsed } = parseCheckArgs(checkArgv(a))
  const options = withBody({ ...parsed, resolve: upstreamMap(a.upstream, parsed.url) }, a.data)
  const report = await checkReport(options, await predictLocalNetwork(options, originAddress), ctx.send)
  return { lines: checkAnswer(report, dropped), json: report.entry }
}

// ---------------------------------------------------------------------------------------------------------
// explain_har

export const explainHarShape = {
  path: z
    .string()
    .max(4096)
    .describe(
      'The HAR file (Chrome/Edge DevTools, Firefox, Playwright, CORS Lens exports), inside the directories the server was started with; relative to the first.',
    ),
}

export const EXPLAIN_HAR_DESCRIPTION =
  'Explain every cross-origin request in a HAR export that a browser blocked or that is at risk: the browser verdict (CorsError), why, the layer that sent the header (proxy or app) and the recommended fix. Returns a short answer to quote, then the JSON of `cors-lens explain --json` ({"entries": […]}, every cross-origin request). Files up to 256 MB; only paths inside the allowed directories.'

export async function explainHar(a: { path: string }, ctx: ToolContext): Promise<Answer> {
  const read = explainEach(readHar(ctx.roots.confine(a.path)))
  const entries: JsonEntry[] = []
  for (;;) {
    const next = await read.next()
    if (next.done) return { lines: explainAnswer(entries, next.value), json: { entries } }
    entries.push(next.value)
  }
}

// ---------------------------------------------------------------------------------------------------------
// lint_config

export const lintConfigShape = {
  path: z
    .string()
    .max(4096)
    .optional()
    .describe(
      'A config file inside the allowed directories (relative to the first). Its include lines are read too, also only inside them.',
    ),
  text: z
    .string()
    .max(LINT_LIMITS.maxBytes)
    .optional()
    .describe(
      'The config itself (e.g. the output of nginx -T), instead of path; findings name its file "-".',
    ),
  server: z
    .enum(['nginx', 'apache', 'caddy'])
    .optional()
    .describe('The server kind; without it, told from the file name and content (nginx otherwise).'),
}

export const LINT_CONFIG_DESCRIPTION =
  'Lint a web server config (nginx, Apache httpd or a Caddyfile; give path or text) for CORS mistakes, line by line: when each bites, the CorsError Chromium reports, and the corrected lines. Returns a short answer to quote, then the JSON of `cors-lens lint --json` ({"findings": […]}).'

type LintConfigArgs = z.infer<z.ZodObject<typeof lintConfigShape>>

export async function lintConfig(a: LintConfigArgs, ctx: ToolContext): Promise<Answer> {
  if ((a.path === undefined) === (a.text === undefined))
    throw new CliError('lint_config takes either path or text (one of them)')
  const server: LintServer | undefined = a.server
  const input = a.path ?? { file: '-', text: a.text ?? '' }
  const findings = lintFindings([input], server, (p) => ctx.roots.confine(p))
  return { lines: lintAnswer(findings), json: { findings } }
}
