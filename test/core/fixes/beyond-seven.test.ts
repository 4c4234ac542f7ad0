/**
 * Stacks beyond the lab's seven that cannot run here, and servers the user does not run: Laravel (Debian
 * packages Laravel 8 without its CORS middleware), AWS API Gateway + Lambda, an unnamed Python server
 * (gunicorn) and an identity provider. Each exchange copies a real published response, source noted.
 * Golden snippets (UPDATE_GOLDEN=1 rewrites them), the choice of recipes, hostile input, and syntax checks
 * with php -l and gofmt.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import type { Diagnosis } from '../../../src/core/analysis.ts'
import { diagnose } from '../../../src/core/diagnose.ts'
import type { Exchange } from '../../../src/core/exchange.ts'
import { isToken } from '../../../src/core/fetch-rules.ts'
import {
  droppedTokensNote,
  gateTokens,
  goString,
  phpString,
  yamlString,
} from '../../../src/core/fixes/escape.ts'
import { PLACEHOLDER_ORIGIN, snippetOrigin } from '../../../src/core/fixes/gate.ts'
import type { HeaderLine } from '../../../src/core/headers.ts'
import { ownership, registrableDomain } from '../../../src/core/ownership.ts'
import { golden } from './golden.ts'

const h = (name: string, value: string): HeaderLine => ({ name, value })
const FAILED = { kind: 'error', error: 'net::ERR_FAILED' } as const

function preflighted(
  page: string,
  url: string,
  method: string,
  requestHeaders: string,
  response: { status: number; headers: HeaderLine[]; bodySnippet?: string },
): Exchange {
  return {
    initiator: page,
    request: { method, url, headers: [] },
    preflight: {
      request: {
        method: 'OPTIONS',
        url,
        headers: [
          h('Origin', page),
          h('Access-Control-Request-Method', method),
          h('Access-Control-Request-Headers', requestHeaders),
        ],
      },
      response,
    },
    outcome: FAILED,
  }
}

/**
 * Laravel 10 (HandleCors → fruitcake/php-cors) behind nginx + php-fpm, refusing the origin: 204 with
 * `Vary: Origin, Access-Control-Request-Method` and no ACAO (php-cors CorsService::configureAllowedOrigin and
 * HandleCors::handle add exactly those two). The PHP header lines are a published Laravel API response
 * (X-Powered-By: PHP/8.2.29, Cache-Control: no-cache, private; public GitHub file, search index id 46893240133).
 * The page uses Sanctum: X-XSRF-TOKEN, so cookies.
 */
const LARAVEL = preflighted(
  'https://app.example.com',
  'https://api.example.com/api/login',
  'POST',
  'content-type,x-xsrf-token',
  {
    status: 204,
    headers: [
      h('Server', 'nginx/1.24.0'),
      h('Date', 'Sat, 15 Nov 2025 12:57:20 GMT'),
      h('Connection', 'keep-alive'),
      h('X-Powered-By', 'PHP/8.2.29'),
      h('Cache-Control', 'no-cache, private'),
      h('Vary', 'Origin, Access-Control-Request-Method'),
    ],
  },
)

/**
 * API Gateway answering the preflight itself: 403 MissingAuthenticationTokenException, no CORS header
 * (a user's curl of their REST API's OPTIONS, page http://localhost:5173; public GitHub file, search index
 * id 4605481345). Chromium: "Response to preflight request doesn't pass access control check".
 */
const API_GATEWAY = preflighted(
  'http://localhost:5173',
  'https://u4ceo7qshi.execute-api.us-east-1.amazonaws.com/prod/signUp',
  'POST',
  'content-type',
  {
    status: 403,
    headers: [
      h('content-type', 'application/json'),
      h('content-length', '42'),
      h('date', 'Sun, 30 Jun 2024 01:12:57 GMT'),
      h('x-amzn-requestid', 'a3abb66c-8eae-4dc0-9145-3ddcdd29ad79'),
      h('x-amzn-errortype', 'MissingAuthenticationTokenException'),
      h('x-amz-apigw-id', 'aKCb-HNhoAMEaIA='),
      h('x-cache', 'Error from cloudfront'),
      h('via', '1.1 211d2bc0b23405deaf02a4b025d65090.cloudfront.net (CloudFront)'),
      h('x-amz-cf-pop', 'LAX3-C4'),
      h('x-amz-cf-id', '23t3g0nHdVHGvSe3K07zawgEv7MCng1xIM_JoLWKH8lS-UlhEeTQSg=='),
    ],
    bodySnippet: '{"message":"Missing Authentication Token"}',
  },
)

/** gunicorn answering a simple GET without any CORS header (the Server line as gunicorn 21 writes it). */
const GUNICORN: Exchange = {
  initiator: 'https://app.example.com',
  request: {
    method: 'GET',
    url: 'https://api.example.com/items',
    headers: [h('Origin', 'https://app.example.com')],
  },
  response: {
    status: 200,
    headers: [
      h('Server', 'gunicorn'),
      h('Date', 'Mon, 06 Jan 2020 11:58:45 GMT'),
      h('Connection', 'close'),
      h('Content-Type', 'application/json'),
      h('Content-Length', '2'),
    ],
  },
  outcome: FAILED,
}

/**
 * Auth0's token endpoint called from a page on another site: its real response headers (Server: nginx,
 * X-Auth0-RequestId…; public GitHub file, search index id 24289363445) and no ACAO, as for an origin missing
 * from the application's Allowed Web Origins.
 */
const AUTH0: Exchange = {
  initiator: 'https://app.example.com',
  request: {
    method: 'POST',
    url: 'https://example-tenant.auth0.com/oauth/token',
    headers: [h('Origin', 'https://app.example.com'), h('Content-Type', 'application/x-www-form-urlencoded')],
  },
  response: {
    status: 200,
    headers: [
      h('Date', 'Mon, 06 Jan 2020 11:58:45 GMT'),
      h('Content-Type', 'application/json'),
      h('Content-Length', '883'),
      h('Connection', 'close'),
      h('Server', 'nginx'),
      h('X-Auth0-RequestId', 'c629c3e05e0881e81315'),
      h('X-RateLimit-Limit', '30'),
      h('Cache-Control', 'no-store'),
      h('Pragma', 'no-cache'),
    ],
  },
  outcome: FAILED,
}

/**
 * Plain PHP behind nginx (no Laravel mark): the response headers of a published nginx 1.24 + PHP 8.3 answer
 * (public GitHub file, search index id 33041089438), here with the `*` a PHP header() call would add, to a
 * request with credentials.
 */
const PLAIN_PHP: Exchange = {
  initiator: 'https://app.example.com',
  request: {
    method: 'GET',
    url: 'https://api.example.com/index.php',
    headers: [h('Origin', 'https://app.example.com'), h('Cookie', 'PHPSESSID=1')],
  },
  response: {
    status: 200,
    headers: [
      h('Server', 'nginx/1.24.0'),
      h('Date', 'Fri, 31 May 2024 23:37:18 GMT'),
      h('Content-Type', 'text/html; charset=UTF-8'),
      h('Connection', 'keep-alive'),
      h('Vary', 'Accept-Encoding'),
      h('X-Powered-By', 'PHP/8.3.7'),
      h('Access-Control-Allow-Origin', '*'),
    ],
  },
  outcome: FAILED,
}

/** The whole answer in words, as a reader of the CLI or the panel sees it. */
function render(d: Diagnosis): string {
  const a = d.attribution
  const head = [
    `verdict: ${d.corsError ?? d.verdict}`,
    `attribution: culprit=${a?.culprit} proxy=${a?.proxy} app=${a?.app} owner=${a?.owner?.verdict ?? '-'}`,
    ...(a?.evidence ?? []).map((e) => `  - ${e}`),
  ]
  const fixes = d.fixes.map((f) =>
    [
      `== ${f.recommended ? '★ ' : ''}[${f.stack}/${f.layer}] ${f.title}`,
      `why: ${f.why}`,
      ...(f.requires ? [`requires: ${f.requires}`] : []),
      f.snippet,
    ].join('\n'),
  )
  return `${[head.join('\n'), ...fixes].join('\n\n')}\n`
}

const stacks = (d: Diagnosis): string[] => d.fixes.map((f) => f.stack)

describe('which layer, beyond the seven stacks', () => {
  it('PHP/Laravel behind nginx: the app (Laravel) refused the origin; config/cors.php with credentials for Sanctum', () => {
    const d = diagnose(LARAVEL)
    expect(d.corsError).toBe('PreflightMissingAllowOriginHeader')
    expect(d.attribution).toMatchObject({ culprit: 'app', proxy: 'nginx', app: 'laravel' })
    expect(d.fixes[0]?.stack).toBe('laravel')
    const laravel = d.fixes[0]?.snippet ?? ''
    expect(laravel).toContain("'supports_credentials' => true,")
    expect(laravel).toContain("'paths' => ['api/*', 'sanctum/csrf-cookie']")
    expect(laravel).toContain("'allowed_origins' => ['https://app.example.com']")
    expect(laravel).toContain("'allowed_headers' => ['content-type', 'x-xsrf-token']")
    // nginx's own cure, if chosen, carries credentials too: Sanctum needs them whichever layer answers.
    const nginx = d.fixes.find((f) => f.stack === 'nginx')
    expect(nginx?.snippet).toContain('add_header Access-Control-Allow-Credentials true always;')
    expect(stacks(d)).not.toContain('express')
    golden('beyond-laravel-nginx-sanctum-preflight', render(d))
  })

  it('plain PHP behind nginx: no framework guessed, the line not pinned on nginx, the neutral lines and nginx', () => {
    const d = diagnose(PLAIN_PHP)
    expect(d.corsError).toBe('WildcardOriginNotAllowed')
    expect(d.attribution).toMatchObject({ proxy: 'nginx', app: null })
    expect(d.attribution?.evidence.join(' ')).toMatch(/PHP\/8\.3\.7 — a PHP app; no Laravel mark/)
    expect(d.attribution?.lines.map((l) => l.layer)).toEqual(['unknown'])
    expect(stacks(d)).toContain('generic')
    expect(stacks(d)).toContain('nginx')
    for (const s of ['laravel', 'express', 'fastapi']) expect(stacks(d)).not.toContain(s)
  })

  it('AWS API Gateway + Lambda: its own recipe, Gateway Responses for 4XX/5XX and headers from the Lambda', () => {
    const d = diagnose(API_GATEWAY)
    expect(d.attribution).toMatchObject({ app: 'apigateway' })
    expect(d.attribution?.owner).toBeUndefined()
    expect(d.fixes[0]?.stack).toBe('apigateway')
    expect(d.fixes[0]?.snippet).toMatch(/GatewayResponses:\n {2}DEFAULT_4XX:/)
    expect(d.fixes[0]?.snippet).toContain('Access-Control-Allow-Origin: "\'http://localhost:5173\'"')
    expect(stacks(d)).not.toContain('express')
    golden('beyond-apigateway-preflight-403-missing-token', render(d))
  })

  it('Server: gunicorn: unknown framework, only the stack-neutral lines: no proxy recipe, never Express', () => {
    const d = diagnose(GUNICORN)
    expect(d.attribution).toMatchObject({ app: null, proxy: null })
    expect(d.attribution?.evidence.join(' ')).toMatch(/gunicorn — a Python WSGI server/)
    expect(d.fixes[0]?.stack).toBe('generic')
    expect(d.fixes[0]?.snippet).toContain('Access-Control-Allow-Origin: https://app.example.com')
    // No proxy is on the wire: no nginx, Apache or Caddy recipe for a layer that may not be there.
    expect(stacks(d)).toEqual(['generic'])
    for (const framework of ['express', 'fastify', 'fastapi', 'flask', 'django', 'spring', 'aspnet', 'rails'])
      expect(stacks(d)).not.toContain(framework)
    golden('beyond-generic-gunicorn-missing-acao', render(d))
  })

  it("an identity provider on another organisation's domain: probably not yours; ask its owner or proxy it", () => {
    const d = diagnose(AUTH0)
    expect(d.attribution?.owner).toMatchObject({ verdict: 'probably-third-party' })
    expect(d.attribution?.evidence[0]).toMatch(/probably a server you do not run/)
    expect(stacks(d).every((s) => s === 'third-party' || s === 'client')).toBe(true)
    expect(d.fixes[0]?.snippet).toContain('Allowed Web Origins')
    expect(d.fixes[1]?.snippet).toContain('proxy_pass https://example-tenant.auth0.com/;')
    golden('beyond-third-party-auth0-token', render(d))
  })
})

describe('a server on another site with no provider sign', () => {
  it('keeps the usual cures and adds "if you do not run it" as an option, never the lead', () => {
    const other: Exchange = {
      ...GUNICORN,
      request: { ...GUNICORN.request, url: 'https://api.partner.io/items' },
    }
    const d = diagnose(other)
    expect(d.attribution?.owner?.verdict).toBe('possibly-third-party')
    expect(d.fixes[0]?.stack).toBe('generic')
    const third = d.fixes.filter((f) => f.stack === 'third-party')
    expect(third.length).toBeGreaterThan(0)
    for (const f of third) expect(f.recommended).toBe(false)
  })
})

describe('whose server it is', () => {
  it('tells sites apart by their registrable domain', () => {
    expect(registrableDomain('api.example.com')).toBe('example.com')
    expect(registrableDomain('api.example.co.uk')).toBe('example.co.uk')
    expect(registrableDomain('abc.execute-api.us-east-1.amazonaws.com')).toBe(
      'abc.execute-api.us-east-1.amazonaws.com',
    )
  })

  const at = (page: string, url: string, headers: HeaderLine[] = []): Exchange => ({
    initiator: page,
    request: { method: 'GET', url, headers: [] },
    response: { status: 200, headers },
    outcome: FAILED,
  })
  it('never calls the same site, the lab or a hosting platform someone else’s', () => {
    expect(
      ownership(at('https://app.example.com', 'https://api.example.com/x'), 'https://app.example.com'),
    ).toBeNull()
    expect(ownership(at('http://app.test:5173', 'http://api.test:8080/x'), 'http://app.test:5173')).toBeNull()
    expect(
      ownership(at('http://localhost:3000', 'https://login.auth0.com/x'), 'http://localhost:3000'),
    ).toBeNull()
    const lambda = at('https://app.example.com', 'https://abc.execute-api.eu-west-1.amazonaws.com/prod/x')
    expect(ownership(lambda, 'https://app.example.com')).toBeNull()
  })
  it('says "probably" for a provider host or header, "possibly" for another site with no such sign', () => {
    const gh = at('https://app.example.com', 'https://api.github.com/user')
    expect(ownership(gh, 'https://app.example.com')?.verdict).toBe('probably-third-party')
    const custom = at('https://app.example.com', 'https://login.other.org/token', [
      h('X-Auth0-RequestId', 'x'),
    ])
    expect(ownership(custom, 'https://app.example.com')?.provider).toMatch(/Auth0/)
    const other = at('https://app.example.com', 'https://api.partner.io/v1')
    expect(ownership(other, 'https://app.example.com')?.verdict).toBe('possibly-third-party')
  })
})

// ---- Hostile input: what reaches a snippet as code is a token, an origin, or an escaped string.

const HOSTILE_HEADER = 'x-evil\r\nSet-Cookie: a=b'
const HOSTILE_METHOD = "PUT'); DROP"
const NEW_STACKS = new Set(['laravel', 'go', 'apigateway', 'generic', 'third-party'])

describe('snippets are safe against hostile input', () => {
  it('the helpers: tokens only, origins only, strings escaped', () => {
    expect(isToken('x-api-key')).toBe(true)
    expect(isToken('x y')).toBe(false)
    expect(gateTokens(['GET', HOSTILE_METHOD])).toEqual({ kept: ['GET'], dropped: [HOSTILE_METHOD] })
    expect(snippetOrigin("https://a.example'];system('id')")).toBe(PLACEHOLDER_ORIGIN)
    expect(droppedTokensNote('//', ['a?>b\n'])).toEqual([
      '// CORS Lens left out "a??b?": not an HTTP token (RFC 9110 section 5.6.2), so no browser sends it.',
    ])
    expect(phpString("a'b\\")).toBe("'a\\'b\\\\'")
    expect(goString('a"b\n')).toBe('"a\\"b\\u000a"')
    expect(yamlString("'x'")).toBe('"\'x\'"')
  })

  it('a hostile method and header name never reach Laravel, Go, API Gateway or the neutral lines as code', () => {
    const hostile = (ex: Exchange): Exchange => ({
      ...ex,
      request: { ...ex.request, method: HOSTILE_METHOD },
      preflight: ex.preflight && {
        ...ex.preflight,
        request: {
          ...ex.preflight.request,
          headers: [
            h('Origin', ex.initiator ?? ''),
            h('Access-Control-Request-Method', HOSTILE_METHOD),
            h('Access-Control-Request-Headers', `content-type,${HOSTILE_HEADER}`),
          ],
        },
      },
    })
    for (const ex of [LARAVEL, API_GATEWAY, GUNICORN]) {
      // The classic recipes (nginx, Apache…) get their escaping from the shared helpers; these are the new ones.
      const mine = diagnose(hostile(ex)).fixes.filter((f) => NEW_STACKS.has(f.stack))
      expect(mine.length).toBeGreaterThan(0)
      for (const f of mine) {
        expect(f.snippet, `${f.stack}: ${f.title}`).not.toMatch(/\r|\nSet-Cookie/)
        expect(f.snippet, `${f.stack}: ${f.title}`).not.toMatch(/PUT'|\?>/)
        if (f.stack !== 'third-party') expect(f.snippet).toMatch(/CORS Lens left out the method/)
      }
    }
  })
})

// ---- Syntax checks with the tools the lab installs (php-cli, golang-go).

const scratch = mkdtempSync(join(tmpdir(), 'cors-lens-beyond-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

describe('the generated code parses', () => {
  it('config/cors.php passes php -l', () => {
    const file = join(scratch, 'cors.php')
    writeFileSync(file, diagnose(LARAVEL).fixes[0]?.changes[0]?.snippet ?? '')
    const run = spawnSync('php', ['-l', file], { encoding: 'utf8' })
    expect(run.error, 'php-cli missing: npm run setup').toBeUndefined()
    expect(run.stdout + run.stderr).toMatch(/No syntax errors/)
  })

  it('the rs/cors handler passes gofmt inside a function', () => {
    const fixture = JSON.parse(
      readFileSync(
        join(dirname(fileURLToPath(import.meta.url)), '../fixtures/stacks/go-rs-cors-missing-header.json'),
        'utf8',
      ),
    ) as { exchange: Exchange }
    const go = diagnose({ ...fixture.exchange, outcome: FAILED }).fixes.find((f) => f.stack === 'go')
    const file = join(scratch, 'main.go')
    writeFileSync(file, `package main\n\nfunc f() {\n${go?.changes[0]?.snippet ?? 'broken('}\n}\n`)
    const run = spawnSync('gofmt', ['-e', file], { encoding: 'utf8' })
    expect(run.error, 'gofmt missing: npm run setup').toBeUndefined()
    expect(run.status, run.stderr).toBe(0)
  })

  it('the Lambda handler passes node --check', () => {
    const file = join(scratch, 'handler.mjs')
    writeFileSync(file, diagnose(API_GATEWAY).fixes[0]?.changes[0]?.snippet ?? 'broken(')
    const run = spawnSync(process.execPath, ['--check', file], { encoding: 'utf8' })
    expect(run.status, run.stderr).toBe(0)
  })
})
