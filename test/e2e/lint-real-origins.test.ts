/**
 * lint's security rules on the real nginx in front of the lab's Express app. They cause no browser error
 * for the page itself: the proof is that ANOTHER site's page gets a readable credentialed response (no
 * CorsError) from the broken config, and is refused once the finding's fix is in place, while the page
 * the config meant to allow still reads it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { NGINX_CASES } from '../core/lint/fixtures/nginx-cases.ts'
import {
  fetchFresh,
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
const READ = { corsError: null, read: 200 }

describe('security rules proven in Chromium on the real nginx', () => {
  it(
    '$http_origin reflected with credentials: any site reads the credentialed answer; the map fix refuses it',
    T,
    async () => {
      const c = NGINX_CASES.reflectsAnyOrigin
      const evil = lab.originOn('evil.test')
      const r = await run(lab, c)
      const f = finding(r, 'nginx-reflects-any-origin-with-credentials')
      try {
        expect([f.when, f.corsError]).toEqual(['other-origins', null])
        expect(await fetchFresh(lab, evil, `${r.api}/api/items`, CREDENTIALED)).toMatchObject(READ)
        expect(await fetchFresh(lab, lab.page, `${r.api}/api/items`, CREDENTIALED)).toMatchObject(READ)
      } finally {
        await r.stop()
      }
      const fix = splitMapFix(f.fix.snippet, lab.page)
      const location = replaceLine(replaceLine(c.location, 'Vary'), 'Allow-Origin', fix.location)
      const fixed = await run(lab, { http: fix.http, location })
      try {
        expect(fixed.findings.filter((x) => x.severity === 'error')).toEqual([])
        const url = `${fixed.api}/api/items`
        expect((await fetchFresh(lab, evil, url, CREDENTIALED)).corsError).toBe('MissingAllowOriginHeader')
        expect(await fetchFresh(lab, lab.page, url, CREDENTIALED)).toMatchObject(READ)
      } finally {
        await fixed.stop()
      }
    },
  )

  it(
    'loose allow-list regexes: app.example.evil.test and evilapp.test read the credentialed answer; fixed, they are refused',
    T,
    async () => {
      const c = NGINX_CASES.looseOriginRegex
      const r = await run(lab, c)
      const loose = r.findings.filter((x) => x.code === 'nginx-loose-origin-regex')
      const evil = [lab.originOn('app.example.evil.test'), lab.originOn('evilapp.test')]
      finding(r, 'nginx-loose-origin-regex')
      try {
        expect(loose.map((x) => lineAt(r, x))).toEqual([
          '"~^http://app.example" $http_origin;',
          '"~^http://.*app\\.test:\\d+$" $http_origin;',
        ])
        for (const x of loose) expect([x.when, x.corsError]).toEqual(['other-origins', null])
        for (const o of evil)
          expect(await fetchFresh(lab, o, `${r.api}/api/items`, CREDENTIALED)).toMatchObject(READ)
      } finally {
        await r.stop()
      }
      let http: string = c.http
      for (const x of loose) http = http.replace(lineAt(r, x).split(' ')[0] as string, x.fix.snippet)
      const fixed = await run(lab, { ...c, http })
      try {
        expect(fixed.findings.filter((x) => x.severity === 'error')).toEqual([])
        const url = `${fixed.api}/api/items`
        for (const o of evil)
          expect((await fetchFresh(lab, o, url, CREDENTIALED)).corsError).toBe('MissingAllowOriginHeader')
        expect(await fetchFresh(lab, lab.page, url, CREDENTIALED)).toMatchObject(READ)
        // The subdomain wildcard still lets the site's own subdomains in.
        expect(await fetchFresh(lab, lab.originOn('b.app.test'), url, CREDENTIALED)).toMatchObject(READ)
      } finally {
        await fixed.stop()
      }
    },
  )
})
