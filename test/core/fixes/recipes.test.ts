import { describe, expect, it } from 'vitest'
import { diagnose } from '../../../src/core/diagnose.ts'
import type { Fix } from '../../../src/core/fix.ts'
import { recording } from '../stack-fixtures.ts'

const fixesFor = (id: string, credentials?: 'include'): readonly Fix[] => {
  const r = recording(id)
  return diagnose(credentials ? { ...r.exchange, credentials } : r.exchange).fixes
}
const mine = (fixes: readonly Fix[], stack: string): Fix[] => fixes.filter((f) => f.stack === stack)

describe('fix recipes on recordings of the real stacks', () => {
  it("nginx duplicate: removing nginx's line recommended (the app already answers), then nginx only, hide-and-re-add", () => {
    const fixes = fixesFor('nginx-express-dup-star')
    expect(fixes.filter((f) => f.recommended).map((f) => f.label)).toEqual(["Remove nginx's add_header"])
    const [plain, only, hide] = mine(fixes, 'nginx')
    expect(fixes[0]).toBe(plain)
    expect(plain?.reason).toBe('smallest change: the app already answers correctly')
    // The line nginx added, as a diff: the exact line to delete, not a comment.
    expect(plain?.changes).toEqual([
      expect.objectContaining({
        layer: 'proxy',
        diff: true,
        snippet: '- add_header Access-Control-Allow-Origin *;',
      }),
    ])
    expect(plain?.title).toBe("Remove nginx's `add_header Access-Control-Allow-Origin *`")
    expect(only?.snippet).toMatch(/map \$http_origin \$cors_origin/)
    expect(only?.snippet).toMatch(/proxy_hide_header Access-Control-Allow-Origin;/)
    expect(only?.snippet).toMatch(/if \(\$request_method = OPTIONS\)[\s\S]*return 204;/)
    expect(only?.snippet).toMatch(/add_header Vary Origin always;/)
    // two layers: the nginx config and the Express app losing its cors()
    expect(only?.changes.map((c) => c.layer)).toEqual(['proxy', 'proxy', 'app'])
    expect(only?.changes[2]?.snippet).toMatch(/no app\.use\(cors/)
    expect(hide?.snippet).toMatch(/proxy_hide_header Access-Control-Allow-Origin;\n/)
  })

  it('every add_header the cures write uses `always`', () => {
    for (const f of mine(fixesFor('nginx-no-always-401'), 'nginx'))
      for (const line of f.snippet.split('\n').filter((l) => /^\s*add_header /.test(l)))
        expect(line).toMatch(/ always;$/)
  })

  it('the inheritance trap offers add_header_inherit merge, saying the version', () => {
    const merge = mine(fixesFor('nginx-nested-location'), 'nginx').find((f) => /inherit/.test(f.snippet))
    expect(merge?.requires).toBe('nginx ≥ 1.29.3')
    expect(merge?.snippet).toMatch(/1\.29\.3/)
    expect(merge?.recommended).toBe(false)
  })

  it('preflight answered at nginx allows the observed method and header', () => {
    const only = mine(fixesFor('nginx-if-options'), 'nginx')[0]
    expect(only?.snippet).toMatch(/Access-Control-Allow-Methods "GET, POST, PUT, OPTIONS" always;/)
    expect(only?.snippet).toMatch(/Access-Control-Allow-Headers "content-type, x-api-key" always;/)
  })

  it('Caddy uses the defer block and names the 2.7 > prefix', () => {
    const only = mine(fixesFor('caddy-express-dup-star'), 'caddy')[0]
    expect(only?.snippet).toMatch(/defer/)
    expect(only?.snippet).toMatch(/2\.7/)
  })

  it('Apache sets with `always` and unsets the app copies on both tables', () => {
    const only = mine(fixesFor('apache-express-dup-star-origin'), 'apache')[0]
    expect(only?.snippet).toMatch(
      /Header unset Access-Control-Allow-Origin\nHeader always unset Access-Control-Allow-Origin/,
    )
    expect(only?.snippet).toMatch(
      /Header always set Access-Control-Allow-Origin "%\{CORS_ORIGIN\}e" env=CORS_ORIGIN/,
    )
  })

  it('app allow-list: the app recipe lists the page origin, methods and headers', () => {
    const fastapi = mine(fixesFor('fastapi-allowlist'), 'fastapi')[0]
    expect(fastapi?.snippet).toMatch(/allow_origins=\["http:\/\/app\.test:5173"\]/)
    expect(fastapi?.snippet).toMatch(/allow_methods=\["GET", "POST", "PUT"\]/)
    expect(fastapi?.snippet).toMatch(/allow_headers=\["content-type", "x-api-key"\]/)
    const django = mine(fixesFor('django-missing-header'), 'django')[0]
    expect(django?.snippet).toMatch(/CORS_ALLOW_HEADERS = \[\*default_headers, "x-api-key"\]/)
  })

  it('auth refusing the preflight: Flask gets the OPTIONS guard only', () => {
    const flask = mine(fixesFor('flask-auth-preflight'), 'flask')
    expect(flask).toHaveLength(1)
    expect(flask[0]?.snippet).toMatch(/request\.method == "OPTIONS"/)
  })

  it('redirected preflight: Django puts CorsMiddleware first; the client calls the final URL', () => {
    const fixes = fixesFor('django-redirect-preflight')
    expect(mine(fixes, 'django')[0]?.snippet).toMatch(
      /MIDDLEWARE = \["corsheaders\.middleware\.CorsMiddleware"/,
    )
    expect(mine(fixes, 'client')[0]?.snippet).toMatch(/fetch\('http:\/\/api\.test:8080\/api\/items\/'/)
  })

  it("credentials with '*': Express reflects the origin with credentials; the client may stop sending them", () => {
    const fixes = fixesFor('express-credentials-star', 'include')
    expect(mine(fixes, 'express')[0]?.snippet).toMatch(/credentials: true/)
    expect(mine(fixes, 'client')[0]?.snippet).toMatch(/credentials: 'omit'/)
  })

  it('no fixes for a request that passed with nothing to warn about', () => {
    const r = recording('express-missing-method')
    const d = diagnose({
      initiator: 'http://app.test:5173',
      request: {
        method: 'GET',
        url: 'http://api.test:8080/x',
        headers: [{ name: 'Origin', value: 'http://app.test:5173' }],
      },
      response: { status: 200, headers: [{ name: 'Access-Control-Allow-Origin', value: '*' }] },
      outcome: { kind: 'ok' },
    })
    expect(r.app).toBe('express')
    expect(d.fixes).toEqual([])
  })
})
