/**
 * lint's preflight rules on the real nginx in front of the lab's Express app (no CORS in the app): the
 * preflight Chromium sends for a PUT with Content-Type: application/json fails with the finding's
 * CorsError, a simple GET does not (the finding's `when` is `preflight`), and the config with the
 * finding's fix in place passes. Also Access-Control-Max-Age above Chromium's cap.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { NGINX_CASES } from '../core/lint/fixtures/nginx-cases.ts'
import {
  fetchFresh,
  fetchFrom,
  finding,
  lineAt,
  type NginxLab,
  openNginxLab,
  PUT_JSON,
  replaceOptionsBlock,
  run,
} from './lint-nginx-lab.ts'

let lab: NginxLab
beforeAll(async () => {
  lab = await openNginxLab()
})
afterAll(async () => {
  await lab?.close()
})

const T = { timeout: 60_000 }

/** Runs a broken OPTIONS case and its fixed form: the finding's CorsError on PUT, none on GET, none fixed. */
async function provePreflight(
  name: 'preflightWithoutAcao' | 'preflightWithoutMethods' | 'preflightWithoutHeaders',
  code: string,
  corsError: string,
): Promise<void> {
  const c = NGINX_CASES[name]
  const r = await run(lab, c)
  const f = finding(r, code)
  try {
    expect(lineAt(r, f)).toMatch(/^if \(\$request_method = OPTIONS\)/)
    expect([f.when, f.corsError]).toEqual(['preflight', corsError])
    expect((await fetchFresh(lab, lab.page, `${r.api}/api/items`, PUT_JSON)).corsError).toBe(f.corsError)
    expect(await fetchFresh(lab, lab.page, `${r.api}/api/items`)).toMatchObject({
      corsError: null,
      read: 200,
    })
  } finally {
    await r.stop()
  }
  const fixed = await run(lab, { location: replaceOptionsBlock(c.location, f.fix.snippet) })
  try {
    expect(fixed.findings.filter((x) => x.severity === 'error' || x.code === code)).toEqual([])
    const put = await fetchFresh(lab, lab.page, `${fixed.api}/api/items`, PUT_JSON)
    expect(put).toMatchObject({ corsError: null, read: 200, preflighted: true })
  } finally {
    await fixed.stop()
  }
}

describe('preflight rules proven in Chromium on the real nginx', () => {
  it('an OPTIONS block with add_header lines of its own: PreflightMissingAllowOriginHeader', T, () =>
    provePreflight(
      'preflightWithoutAcao',
      'nginx-preflight-without-acao',
      'PreflightMissingAllowOriginHeader',
    ),
  )
  it('an OPTIONS block without Allow-Methods: MethodDisallowedByPreflightResponse', T, () =>
    provePreflight(
      'preflightWithoutMethods',
      'nginx-preflight-incomplete',
      'MethodDisallowedByPreflightResponse',
    ),
  )
  it('an OPTIONS block without Allow-Headers: HeaderDisallowedByPreflightResponse', T, () =>
    provePreflight(
      'preflightWithoutHeaders',
      'nginx-preflight-incomplete',
      'HeaderDisallowedByPreflightResponse',
    ),
  )

  it(
    'return 301 before any OPTIONS answer: PreflightDisallowedRedirect on PUT; GET follows it',
    T,
    async () => {
      const c = NGINX_CASES.redirectCatchesPreflight
      const r = await run(lab, c)
      const f = finding(r, 'nginx-redirect-catches-preflight')
      try {
        expect(lineAt(r, f)).toMatch(/^return 301 /)
        expect([f.when, f.corsError]).toEqual(['preflight', 'PreflightDisallowedRedirect'])
        expect((await fetchFresh(lab, lab.page, `${r.api}/old/items`, PUT_JSON)).corsError).toBe(f.corsError)
        // A simple GET is redirected to /api/items and read: the rule bites only on preflights.
        expect(await fetchFresh(lab, lab.page, `${r.api}/old/items`)).toMatchObject({
          corsError: null,
          read: 200,
        })
      } finally {
        await r.stop()
      }
      // The fix goes before the return (f.fix.where).
      const server = c.server.replace(
        '    return 301',
        `${f.fix.snippet.replaceAll('\n', '\n    ')}\n    return 301`,
      )
      expect(f.fix.where).toMatch(/^before nginx\.conf:\d+$/)
      const fixed = await run(lab, { ...c, server })
      try {
        expect(fixed.findings.filter((x) => x.severity === 'error')).toEqual([])
        const put = await fetchFresh(lab, lab.page, `${fixed.api}/old/items`, PUT_JSON)
        expect(put).toMatchObject({ corsError: null, read: 200 })
      } finally {
        await fixed.stop()
      }
    },
  )

  it('Access-Control-Max-Age 86400: info only; Chromium keeps the preflight (no second one)', T, async () => {
    const r = await run(lab, NGINX_CASES.maxAgeAboveCap)
    const f = finding(r, 'nginx-max-age-above-cap')
    const context = await lab.browser.newContext()
    try {
      expect([f.severity, f.corsError, f.when]).toEqual(['info', null, 'other'])
      const first = await fetchFrom(context, lab.page, `${r.api}/api/items`, PUT_JSON)
      const second = await fetchFrom(context, lab.page, `${r.api}/api/items`, PUT_JSON)
      expect([first.preflighted, first.corsError, second.preflighted, second.corsError]).toEqual([
        true,
        null,
        false,
        null,
      ])
    } finally {
      await context.close()
      await r.stop()
    }
  })
})
