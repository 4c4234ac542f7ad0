/**
 * Public nginx configs from GitHub (fixtures/public/*.conf, each naming its repository, path and commit;
 * reduced and retyped, not copied), accepted by the real `nginx -t`, and lint's findings on them as
 * reasoned from nginx's documentation — not from lint's output:
 * - add_header: "Adds the specified field to a response header provided that the response code equals
 *   200, 201, 204, 206, 301, 302, 303, 304, 307, or 308 … If the always parameter is specified, the header
 *   field will be added regardless of the response code"; inherited "if and only if there are no add_header
 *   directives defined on the current level" (https://nginx.org/en/docs/http/ngx_http_headers_module.html).
 * - proxy_pass passes the upstream's header fields except a fixed few; proxy_hide_header hides more
 *   (https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_hide_header): an add_header in front of
 *   an app that sends the same field gives two lines.
 * - return in a server block runs in the rewrite phase before any location
 *   (https://nginx.org/en/docs/http/ngx_http_rewrite_module.html); an `if` that matches makes its block the
 *   request's configuration (the last one matching wins), which inherits proxy_pass from the location.
 * - Chromium keeps a preflight at most 2 h (kMaxTimeToLive in
 *   https://source.chromium.org/chromium/chromium/src/+/main:services/network/public/cpp/cors/preflight_result.cc).
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { lint } from '../../../src/core/lint/index.ts'

const DIR = resolve(import.meta.dirname, 'fixtures/public')
const prefix = mkdtempSync(join(tmpdir(), 'cors-lens-lint-public-'))
mkdirSync(join(prefix, 'logs'))
afterAll(() => rmSync(prefix, { recursive: true, force: true }))

type Expected = readonly [line: number, code: string, when: string][]

const EXPECTED: Readonly<Record<string, Expected>> = {
  // A location proxying to an app adds a fixed origin with credentials and no `always`: the app's
  // 4xx/5xx lose ACAO (and ACAC for credentialed calls); an app that sends ACAO too would duplicate it;
  // Max-Age 86400 is cut to 7200 by Chromium.
  'quicksave-cdn.conf': [
    [11, 'nginx-acao-in-front-of-upstream', 'upstream-sends-cors'],
    [11, 'nginx-cors-without-always', 'error-responses'],
    [12, 'nginx-cors-without-always', 'credentials'],
    [13, 'nginx-max-age-above-cap', 'other'],
  ],
  // GET/POST end in `if ($setcors = 1)` (the last if that matches): its ACAO * has no `always` and sits in
  // front of the proxied app (the if inherits proxy_pass). The OPTIONS if answers with origin, methods and
  // headers (complete), its Max-Age 1728000 is above the cap.
  'coinweb-location.conf': [
    [21, 'nginx-acao-in-front-of-upstream', 'upstream-sends-cors'],
    [21, 'nginx-cors-without-always', 'error-responses'],
    [30, 'nginx-max-age-above-cap', 'other'],
  ],
  // A server whose every answer is a 301 (add_header without always is fine there: 301 is in the list),
  // but a preflight to it is redirected, which browsers refuse.
  'akronae-redirect.conf': [[11, 'nginx-redirect-catches-preflight', 'preflight']],
  // The allow-list regex has no $: https://foo.bar.evil.example passes it. $http_origin is reflected with
  // credentials only inside `if ($cors = 'T')`, which that regex guards (so the loose regex is the finding,
  // not "any origin"); the GET answer varies by origin without Vary; the preflight answer's Max-Age is above
  // the cap (the 'O' answer has no ACAO at all: a refused origin's preflight, as intended).
  'blue-webserver-cors.conf': [
    [12, 'nginx-loose-origin-regex', 'other-origins'],
    [19, 'nginx-origin-dependent-without-vary', 'other-origins'],
    [35, 'nginx-max-age-above-cap', 'other'],
  ],
  // The CORS lines have no `always` (ACAO and ACAC vanish on a 404); the debug if's own add_header lines
  // replace them all when $cors_debug is 'true'. Vary is a variable (Origin by default): not flagged.
  'rubaxa-cors.conf': [
    [52, 'nginx-cors-without-always', 'error-responses'],
    [56, 'nginx-cors-without-always', 'credentials'],
    [60, 'nginx-inner-add-header-drops-cors', 'other'],
  ],
}

describe('public nginx configs', () => {
  it('every fixture has its expectations and names its source commit', () => {
    const files = readdirSync(DIR).filter((f) => f.endsWith('.conf'))
    expect(files.sort()).toEqual(Object.keys(EXPECTED).sort())
    for (const f of files)
      expect(readFileSync(join(DIR, f), 'utf8')).toMatch(
        /^# Source: https:\/\/github\.com\/[^/]+\/[^/]+\/blob\/[0-9a-f]{40}\//,
      )
  })
  for (const [name, expected] of Object.entries(EXPECTED))
    it(name, () => {
      const file = join(DIR, name)
      execFileSync(
        '/usr/sbin/nginx',
        ['-t', '-q', '-p', prefix, '-e', join(prefix, 'error.log'), '-c', file],
        {
          stdio: 'pipe',
        },
      )
      const text = readFileSync(file, 'utf8')
      const found = lint([{ file: name, text }]).findings.map((f) => [f.line, f.code, f.when])
      expect(found).toEqual(expected)
    })
})
