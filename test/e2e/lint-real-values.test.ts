/**
 * lint's value rules on the real nginx in front of the lab's Express app: `*` with credentials, two
 * origins in one header, `always` missing on credentials and on a re-added ACAO, and the Vary rule with
 * the browser's own HTTP cache serving one origin's answer to another (nginx's proxy_cache does
 * not: add_header is applied to a cache HIT as to any answer). Each broken config fails in
 * Chromium with the finding's CorsError under its `when` only; the config with the finding's fix passes.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { NGINX_CASES } from '../core/lint/fixtures/nginx-cases.ts'
import {
  fetchFresh,
  fetchFrom,
  finding,
  lineAt,
  type NginxLab,
  openNginxLab,
  replaceLine,
  run,
  splitMapFix,
} from './lint-nginx-lab.ts'

let lab: NginxLab
beforeAll(async () => {
  lab = await openNginxLab()
})
afterAll(async () => {
  await lab?.close()
})

const T = { timeout: 60_000 }
const CREDENTIALED = { credentials: 'include' } as const
const errors = (r: { findings: readonly { severity: string }[] }) =>
  r.findings.filter((x) => x.severity === 'error')

describe('value rules proven in Chromium on the real nginx', () => {
  it(
    'ACAO * with ACAC true: WildcardOriginNotAllowed only with credentials; the map fix passes',
    T,
    async () => {
      const c = NGINX_CASES.wildcardWithCredentials
      const r = await run(lab, c)
      const f = finding(r, 'nginx-wildcard-with-credentials')
      try {
        expect([f.when, f.corsError]).toEqual(['credentials', 'WildcardOriginNotAllowed'])
        const url = `${r.api}/api/items`
        expect((await fetchFresh(lab, lab.page, url, CREDENTIALED)).corsError).toBe(f.corsError)
        expect(await fetchFresh(lab, lab.page, url)).toMatchObject({ corsError: null, read: 200 })
      } finally {
        await r.stop()
      }
      // `*` names no origin: the fix's placeholder origin becomes the page's.
      const fix = splitMapFix(f.fix.snippet, lab.page)
      const fixed = await run(lab, {
        http: fix.http,
        location: replaceLine(c.location, 'Allow-Origin *', fix.location),
      })
      try {
        expect(errors(fixed)).toEqual([])
        const seen = await fetchFresh(lab, lab.page, `${fixed.api}/api/items`, CREDENTIALED)
        expect(seen).toMatchObject({ corsError: null, read: 200 })
      } finally {
        await fixed.stop()
      }
    },
  )

  for (const name of ['twoOriginsInOneValue', 'twoOriginLines'] as const)
    it(`${name}: MultipleAllowOriginValues; the map of the same origins passes`, T, async () => {
      const c = NGINX_CASES[name]
      const r = await run(lab, c)
      const f = finding(r, 'nginx-multiple-origins')
      try {
        expect(lineAt(r, f)).toMatch(/^add_header Access-Control-Allow-Origin /)
        expect([f.when, f.corsError]).toEqual(['always', 'MultipleAllowOriginValues'])
        expect((await fetchFresh(lab, lab.page, `${r.api}/api/items`)).corsError).toBe(f.corsError)
      } finally {
        await r.stop()
      }
      // The fix is filled with the config's own origins: the page's is among them.
      const fix = splitMapFix(f.fix.snippet)
      expect(fix.http).toContain(lab.page.replaceAll('.', '\\.'))
      let location: string = c.location
      while (location.includes('Allow-Origin "')) location = replaceLine(location, 'Allow-Origin "')
      const fixed = await run(lab, { http: fix.http, location: `${location}\n${fix.location}` })
      try {
        expect(errors(fixed)).toEqual([])
        expect(await fetchFresh(lab, lab.page, `${fixed.api}/api/items`)).toMatchObject({
          corsError: null,
          read: 200,
        })
      } finally {
        await fixed.stop()
      }
    })

  it('ACAC without always: InvalidAllowCredentials on a credentialed 404 and 500 only', T, async () => {
    const c = NGINX_CASES.credentialsWithoutAlways
    const r = await run(lab, c)
    const f = finding(r, 'nginx-cors-without-always')
    try {
      expect(lineAt(r, f)).toBe('add_header Access-Control-Allow-Credentials true;')
      expect([f.when, f.corsError]).toEqual(['credentials', 'InvalidAllowCredentials'])
      const at = (p: string) => `${r.api}${p}`
      expect(await fetchFresh(lab, lab.page, at('/api/items'), CREDENTIALED)).toMatchObject({
        corsError: null,
      })
      expect((await fetchFresh(lab, lab.page, at('/api/nothing'), CREDENTIALED)).corsError).toBe(f.corsError)
      expect((await fetchFresh(lab, lab.page, at('/api/boom'), CREDENTIALED)).corsError).toBe(f.corsError)
      expect(await fetchFresh(lab, lab.page, at('/api/nothing'))).toMatchObject({
        corsError: null,
        read: 404,
      })
    } finally {
      await r.stop()
    }
    const fixed = await run(lab, { location: replaceLine(c.location, 'Credentials', f.fix.snippet) })
    try {
      expect(errors(fixed)).toEqual([])
      const seen = await fetchFresh(lab, lab.page, `${fixed.api}/api/boom`, CREDENTIALED)
      expect(seen).toMatchObject({ corsError: null, read: 500 })
    } finally {
      await fixed.stop()
    }
  })

  it(
    "an app that sends CORS, hidden and re-added without always: the app's 404 and 500 have no ACAO",
    T,
    async () => {
      const c = NGINX_CASES.hiddenAndReaddedWithoutAlways
      const r = await run(lab, c)
      const f = finding(r, 'nginx-cors-without-always')
      try {
        expect([f.when, f.corsError]).toEqual(['error-responses', 'MissingAllowOriginHeader'])
        expect(r.findings.map((x) => x.code)).not.toContain('nginx-acao-in-front-of-upstream')
        const at = (p: string) => `${r.api}${p}`
        expect(await fetchFresh(lab, lab.page, at('/api/items'))).toMatchObject({
          corsError: null,
          read: 200,
        })
        expect((await fetchFresh(lab, lab.page, at('/api/nothing'))).corsError).toBe(f.corsError)
        expect((await fetchFresh(lab, lab.page, at('/api/boom'))).corsError).toBe(f.corsError)
      } finally {
        await r.stop()
      }
      const fixed = await run(lab, { ...c, location: replaceLine(c.location, 'add_header', f.fix.snippet) })
      try {
        expect(errors(fixed)).toEqual([])
        for (const [p, status] of [
          ['/api/nothing', 404],
          ['/api/boom', 500],
        ] as const)
          expect(await fetchFresh(lab, lab.page, `${fixed.api}${p}`)).toMatchObject({
            corsError: null,
            read: status,
          })
      } finally {
        await fixed.stop()
      }
    },
  )

  it(
    "origin-dependent ACAO without Vary: the browser cache serves app.test's answer to b.app.test",
    T,
    async () => {
      const c = NGINX_CASES.originDependentWithoutVary
      // b.app.test is another origin of the same site: Chromium's HTTP cache (partitioned by top-level
      // site, https://developer.chrome.com/blog/http-cache-partitioning) is shared by the two pages.
      const other = lab.originOn('b.app.test')
      const r = await run(lab, c)
      const f = finding(r, 'nginx-origin-dependent-without-vary')
      const url = `${r.api}/api/items`
      const context = await lab.browser.newContext()
      try {
        expect([f.when, f.corsError]).toEqual(['other-origins', 'AllowOriginMismatch'])
        // Each origin alone gets its own origin back from nginx's map.
        expect(await fetchFresh(lab, other, url)).toMatchObject({ corsError: null, read: 200 })
        expect(await fetchFrom(context, lab.page, url)).toMatchObject({ corsError: null, read: 200 })
        expect((await fetchFrom(context, other, url)).corsError).toBe(f.corsError)
      } finally {
        await context.close()
        await r.stop()
      }
      expect(f.fix.snippet).toBe('add_header Vary Origin always;')
      // nginx's own proxy_cache is not where it bites: add_header runs on every answer, a cache HIT too.
      const cacheDir = mkdtempSync(join(tmpdir(), 'cors-lens-proxy-cache-'))
      // nginx started as root runs its workers as nobody: they write the cache (with use_temp_path=off,
      // its temp files too) here.
      chmodSync(cacheDir, 0o777)
      const cached = await run(lab, {
        http: `${c.http}\nproxy_cache_path ${cacheDir} keys_zone=api:1m use_temp_path=off;`,
        location: `${c.location}\nproxy_cache api;\nproxy_cache_valid 200 1m;\nadd_header X-Cache $upstream_cache_status always;`,
      })
      try {
        const u = `${cached.api}/api/items`
        const status = async (origin: string) => {
          const res = await fetch(`${cached.stack.origin}/api/items`, { headers: { Origin: origin } })
          return [res.headers.get('x-cache'), res.headers.get('access-control-allow-origin')]
        }
        expect(await status(lab.page)).toEqual(['MISS', lab.page])
        expect(await status(other)).toEqual(['HIT', other])
        expect(await fetchFresh(lab, other, u)).toMatchObject({ corsError: null, read: 200 })
      } finally {
        await cached.stop()
        rmSync(cacheDir, { recursive: true, force: true })
      }
      const fixed = await run(lab, { ...c, location: `${c.location}\n${f.fix.snippet}` })
      const again = await lab.browser.newContext()
      try {
        expect(fixed.findings.map((x) => x.code)).not.toContain(f.code)
        expect(errors(fixed)).toEqual([])
        const u = `${fixed.api}/api/items`
        expect(await fetchFrom(again, lab.page, u)).toMatchObject({ corsError: null, read: 200 })
        expect(await fetchFrom(again, other, u)).toMatchObject({ corsError: null, read: 200 })
      } finally {
        await again.close()
        await fixed.stop()
      }
    },
  )
})
