/**
 * lint's predictions checked on the real server: a config that triggers a rule runs in the lab's nginx in
 * front of the lab's Express app, Chromium fetches it under the finding's `when`, the CorsError CDP reports
 * must be the finding's; then the config with the finding's fix applied must pass. And the correct
 * configs (the article's Option A, Option B, proxy_hide_header + re-add) have no error finding and pass a
 * simple GET, a preflighted PUT, a 404 and a 500. More rules: lint-real-{preflight,values,origins}.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { NGINX_CASES } from '../core/lint/fixtures/nginx-cases.ts'
import { fetchFresh, finding, type NginxLab, openNginxLab, PUT_JSON, run } from './lint-nginx-lab.ts'

let lab: NginxLab
beforeAll(async () => {
  lab = await openNginxLab()
})
afterAll(async () => {
  await lab?.close()
})

const T = { timeout: 60_000 }
const EXPRESS_CORS = 'app.use(cors())'

describe('lint findings proven in Chromium on the real nginx', () => {
  it(
    'ACAO in front of an app that sends CORS: MultipleAllowOriginValues, cured by proxy_hide_header',
    T,
    async () => {
      const location = 'add_header Access-Control-Allow-Origin * always;'
      const r = await run(lab, { location, app: EXPRESS_CORS })
      const f = finding(r, 'nginx-acao-in-front-of-upstream')
      const plain = await run(lab, { location })
      const fixed = await run(lab, { location: `${f.fix.snippet}\n${location}`, app: EXPRESS_CORS })
      try {
        expect(f.when).toBe('upstream-sends-cors')
        expect((await fetchFresh(lab, lab.page, `${r.api}/api/items`)).corsError).toBe(f.corsError)
        // An app without CORS: the finding's `when` does not hold, nothing fails.
        expect((await fetchFresh(lab, lab.page, `${plain.api}/api/items`)).corsError).toBe(null)
        expect((await fetchFresh(lab, lab.page, `${fixed.api}/api/items`)).corsError).toBe(null)
      } finally {
        await Promise.all([r.stop(), plain.stop(), fixed.stop()])
      }
    },
  )

  it(
    'add_header without always: MissingAllowOriginHeader on a 500 and a 404, cured by always',
    T,
    async () => {
      const location = `add_header Access-Control-Allow-Origin "*";`
      const r = await run(lab, { location })
      const f = finding(r, 'nginx-cors-without-always')
      const fixed = await run(lab, { location: f.fix.snippet })
      try {
        expect(f.when).toBe('error-responses')
        expect((await fetchFresh(lab, lab.page, `${r.api}/api/items`)).corsError).toBe(null)
        expect((await fetchFresh(lab, lab.page, `${r.api}/api/boom`)).corsError).toBe(f.corsError)
        expect((await fetchFresh(lab, lab.page, `${r.api}/api/nothing-here`)).corsError).toBe(f.corsError)
        expect((await fetchFresh(lab, lab.page, `${fixed.api}/api/boom`)).corsError).toBe(null)
      } finally {
        await Promise.all([r.stop(), fixed.stop()])
      }
    },
  )

  it(
    'an inner add_header drops the server-level ACAO: MissingAllowOriginHeader always, cured by the fix',
    T,
    async () => {
      const server = 'add_header Access-Control-Allow-Origin "*" always;'
      const location = 'add_header X-Frame-Options DENY always;'
      const r = await run(lab, { server, location })
      const f = finding(r, 'nginx-inner-add-header-drops-cors')
      const fixed = await run(lab, { server, location: f.fix.snippet })
      try {
        expect(f.when).toBe('always')
        expect((await fetchFresh(lab, lab.page, `${r.api}/api/items`)).corsError).toBe(f.corsError)
        expect((await fetchFresh(lab, lab.page, `${fixed.api}/api/items`)).corsError).toBe(null)
      } finally {
        await Promise.all([r.stop(), fixed.stop()])
      }
    },
  )
})

describe('rules in an `if` of the location, proven the same way', () => {
  it(
    'an if-level add_header drops the CORS lines only for the requests that enter it (when: other)',
    T,
    async () => {
      const location =
        'add_header Access-Control-Allow-Origin "*" always;\nif ($arg_debug) {\n    add_header X-Debug 1 always;\n}'
      const r = await run(lab, { location })
      const f = finding(r, 'nginx-inner-add-header-drops-cors')
      try {
        expect([f.when, f.corsError]).toEqual(['other', 'MissingAllowOriginHeader'])
        expect((await fetchFresh(lab, lab.page, `${r.api}/api/items?debug=1`)).corsError).toBe(f.corsError)
        expect(await fetchFresh(lab, lab.page, `${r.api}/api/items`)).toMatchObject({
          corsError: null,
          read: 200,
        })
      } finally {
        await r.stop()
      }
      const fixed = await run(lab, {
        location: location.replace('add_header X-Debug 1 always;', f.fix.snippet),
      })
      try {
        expect(fixed.findings.filter((x) => x.severity === 'error')).toEqual([])
        expect(await fetchFresh(lab, lab.page, `${fixed.api}/api/items?debug=1`)).toMatchObject({
          corsError: null,
        })
      } finally {
        await fixed.stop()
      }
    },
  )

  it(
    "an if adding ACAO keeps the location's proxy_pass: in front of cors() it duplicates the app's",
    T,
    async () => {
      const location = 'if ($request_method = GET) {\n    add_header Access-Control-Allow-Origin * always;\n}'
      const r = await run(lab, { location, app: EXPRESS_CORS })
      const f = finding(r, 'nginx-acao-in-front-of-upstream')
      try {
        expect((await fetchFresh(lab, lab.page, `${r.api}/api/items`)).corsError).toBe(f.corsError)
      } finally {
        await r.stop()
      }
      const fixed = await run(lab, { location: `${f.fix.snippet}\n${location}`, app: EXPRESS_CORS })
      try {
        expect(await fetchFresh(lab, lab.page, `${fixed.api}/api/items`)).toMatchObject({
          corsError: null,
          read: 200,
        })
      } finally {
        await fixed.stop()
      }
    },
  )
})

describe('correct configs: no error finding, and Chromium reads every answer', () => {
  const requests = [
    ['GET /api/items', '/api/items', {}, 200],
    ['PUT /api/items (preflighted)', '/api/items', PUT_JSON, 200],
    ['GET /api/nothing (404)', '/api/nothing', {}, 404],
    ['GET /api/boom (500)', '/api/boom', {}, 500],
  ] as const
  // Option A puts CORS at nginx in front of a plain app: lint can't see the app, so it warns that an app
  // sending CORS too would duplicate it (proven above), and nothing else.
  const expected = {
    optionA: ['nginx-acao-in-front-of-upstream'],
    optionAMap: ['nginx-acao-in-front-of-upstream'],
    optionB: [],
    hideAndReadd: [],
  } as const
  for (const name of ['optionA', 'optionAMap', 'optionB', 'hideAndReadd'] as const)
    it(name, T, async () => {
      const r = await run(lab, NGINX_CASES[name])
      try {
        expect([...new Set(r.findings.map((x) => x.code))]).toEqual(expected[name])
        expect(r.findings.filter((x) => x.severity === 'error')).toEqual([])
        const credentials = name === 'optionAMap' ? 'include' : 'same-origin'
        const seen = await Promise.all(
          requests.map(([, path, init]) =>
            fetchFresh(lab, lab.page, `${r.api}${path}`, { ...init, credentials }),
          ),
        )
        expect(seen.map((s, i) => [requests[i]?.[0], s.corsError, s.read])).toEqual(
          requests.map(([what, , , status]) => [what, null, status]),
        )
      } finally {
        await r.stop()
      }
    })
})
