/**
 * explainingFinding on what the lab's real stacks sent (test/lab/stacks/record.ts recordings) against lint's
 * findings for the very config each stack ran (its template rendered with the scenario's slots): the finding
 * that explains the failure must come first, and only one that does.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  configCheckFor,
  configLines,
  diagnoseSafely,
  type Exchange,
  explainingFinding,
  type LintFinding,
  lint,
  type SourceFile,
} from '../../../src/core/index.ts'
import { RECORDED_PAGE } from '../../lab/stacks/record.ts'
import { STACK_SCENARIOS, specFor } from '../../lab/stacks/scenarios.ts'
import { fillTemplate } from '../../lab/stacks/stack.ts'
import { recording } from '../stack-fixtures.ts'

const TEMPLATES = join(import.meta.dirname, '../../lab/stacks/templates')
const FILE = { nginx: 'nginx.conf', apache: 'apache.conf', caddy: 'Caddyfile' } as const

/** The config the scenario's proxy ran (ports and prefix as placeholders: no rule reads them). */
function configOf(id: string): SourceFile {
  const s = STACK_SCENARIOS.find((x) => x.id === id)
  if (!s || (s.proxy !== 'nginx' && s.proxy !== 'apache' && s.proxy !== 'caddy'))
    throw new Error(`${id}: not a scenario with a lintable proxy`)
  const spec = specFor(s, RECORDED_PAGE)
  const slots = {
    ...spec.proxySlots,
    port: '8080',
    app_port: '3000',
    prefix: 'lab-prefix',
    location_path: '/api/',
  }
  return {
    file: FILE[s.proxy],
    text: fillTemplate(readFileSync(join(TEMPLATES, FILE[s.proxy]), 'utf8'), slots),
  }
}

function ranked(id: string, exchange?: Exchange) {
  const x = exchange ?? recording(id).exchange
  const config = configOf(id)
  const findings = lint([config]).findings
  return { findings, ranked: explainingFinding(diagnoseSafely(x), findings, x, [config]), config }
}

describe('explainingFinding on the lab stacks’ recorded failures', () => {
  const cases: readonly [string, string][] = [
    ['nginx-express-dup-star', 'nginx-acao-in-front-of-upstream'],
    ['nginx-django-dup', 'nginx-acao-in-front-of-upstream'],
    ['nginx-fastapi-dup-origin-star', 'nginx-acao-in-front-of-upstream'],
    // The preflight's PreflightMultipleAllowOriginValues is the access check lint names MultipleAllowOriginValues.
    ['nginx-express-preflight-dup', 'nginx-acao-in-front-of-upstream'],
    ['nginx-flask-dup-preflight', 'nginx-acao-in-front-of-upstream'],
    ['nginx-no-always-401', 'nginx-cors-without-always'],
    ['nginx-no-always-404', 'nginx-cors-without-always'],
    ['nginx-no-always-500', 'nginx-cors-without-always'],
    ['nginx-nested-location', 'nginx-inner-add-header-drops-cors'],
    ['nginx-if-options', 'nginx-preflight-without-acao'],
    ['apache-express-dup-star-origin', 'apache-acao-in-front-of-upstream'],
    ['caddy-express-dup-star', 'caddy-acao-in-front-of-upstream'],
  ]
  for (const [id, code] of cases)
    it(`${id}: ${code} first, and the only one that explains it`, () => {
      const { ranked: r, findings } = ranked(id)
      expect(r.length).toBe(findings.length)
      expect(r[0]?.finding.code).toBe(code)
      expect(r[0]?.explains).toBe(true)
      expect(r.slice(1).filter((x) => x.explains)).toEqual([])
    })

  it('puts the header line the config line produced beside it: the proxy’s line, not the app’s', () => {
    const { ranked: r, config } = ranked('nginx-express-dup-star')
    const first = r[0] as (typeof r)[number]
    expect(configLines([config])(first.finding)?.trim()).toBe('add_header Access-Control-Allow-Origin *;')
    const d = diagnoseSafely(recording('nginx-express-dup-star').exchange)
    const proxyLine = d.attribution.lines.find((l) => l.layer === 'proxy')?.header
    expect(first.headerLine).toEqual(proxyLine)
    expect(first.headerLine?.value).toBe('*')
  })

  it('matches the produced line on the config line’s value when no layer is known (Apache)', () => {
    const { ranked: r } = ranked('apache-express-dup-star-origin')
    expect(r[0]?.headerLine?.name.toLowerCase()).toBe('access-control-allow-origin')
    expect(r[0]?.headerLine?.value).toBe('*')
  })

  it('has no produced line for a missing header: the line is what is missing', () => {
    expect(ranked('nginx-no-always-404').ranked[0]?.headerLine).toBeNull()
  })

  it('holds `when` to what was seen: without always explains a 404, not a 200 missing its ACAO', () => {
    const x = recording('nginx-no-always-404').exchange
    const ok: Exchange = {
      ...x,
      response: { ...(x.response as NonNullable<Exchange['response']>), status: 200 },
    }
    const r = ranked('nginx-no-always-404', ok).ranked
    expect(r.find((f) => f.finding.code === 'nginx-cors-without-always')?.explains).toBe(false)
    expect(r.some((f) => f.explains)).toBe(false)
  })

  it('does not blame the proxy’s ACAO for a duplicate when no line of the app was seen', () => {
    const findings = lint([configOf('nginx-express-dup-star')]).findings
    const d = diagnoseSafely(recording('nginx-express-dup-star').exchange)
    const alone = {
      ...d,
      attribution: {
        ...d.attribution,
        culprit: 'proxy' as const,
        lines: d.attribution.lines.filter((l) => l.layer !== 'app'),
      },
    }
    const r = explainingFinding(alone, findings)
    expect(r.some((f) => f.explains)).toBe(false)
    expect(r[0]?.reason).toMatch(/app sends CORS too/)
  })

  it('ranks the rest: same CorsError first, then by severity, in the config’s order', () => {
    const d = diagnoseSafely(recording('nginx-express-dup-star').exchange)
    const f = (
      code: string,
      severity: LintFinding['severity'],
      corsError: string | null,
      line: number,
    ): LintFinding => ({
      code,
      severity,
      server: 'nginx',
      file: 'nginx.conf',
      line,
      title: code,
      explanation: '',
      corsError,
      when: 'always',
      fix: { snippet: '', where: '' },
    })
    const r = explainingFinding(d, [
      f('info-1', 'info', null, 1),
      f('error-2', 'error', 'MissingAllowOriginHeader', 2),
      f('dup-3', 'warning', 'MultipleAllowOriginValues', 3),
    ])
    expect(r.map((x) => x.finding.code)).toEqual(['dup-3', 'error-2', 'info-1'])
    expect(r.map((x) => x.explains)).toEqual([true, false, false])
  })

  it('reads config lines out of an nginx -T dump by the file each finding names', () => {
    const config = configOf('nginx-express-dup-star')
    const dump = {
      file: '-',
      text: `# configuration file /etc/nginx/nginx.conf:\n${config.text}\n`,
    }
    const [first] = explainingFinding(
      diagnoseSafely(recording('nginx-express-dup-star').exchange),
      lint([dump]).findings,
      undefined,
      [dump],
    )
    expect(first?.finding.file).toBe('/etc/nginx/nginx.conf')
    expect(configLines([dump])(first?.finding as LintFinding)?.trim()).toBe(
      'add_header Access-Control-Allow-Origin *;',
    )
  })
})

describe('configCheckFor: which failures offer “Check my config”', () => {
  it('offers it for a blocked request through nginx, Apache or Caddy, with that server', () => {
    expect(configCheckFor(diagnoseSafely(recording('nginx-express-dup-star').exchange))).toEqual({
      server: 'nginx',
    })
    expect(configCheckFor(diagnoseSafely(recording('apache-express-dup-star-origin').exchange))).toEqual({
      server: 'apache',
    })
    expect(configCheckFor(diagnoseSafely(recording('caddy-express-dup-star').exchange))).toEqual({
      server: 'caddy',
    })
  })

  it('not for a proxy lint does not read (Varnish), but for one the headers do not name', () => {
    const d = diagnoseSafely(recording('varnish-express-dup-append').exchange)
    expect(d.attribution.proxy).toBe('varnish')
    expect(configCheckFor(d)).toBeNull()
    const unnamed = { ...d, attribution: { ...d.attribution, proxy: null, culprit: 'proxy' as const } }
    expect(configCheckFor(unnamed)).toEqual({ server: null })
  })

  it('not for an app with no proxy in front', () => {
    expect(configCheckFor(diagnoseSafely(recording('express-missing-header').exchange))).toBeNull()
  })

  it('not for a request that passed', () => {
    const x = recording('nginx-express-dup-star').exchange
    const d = diagnoseSafely(x)
    expect(configCheckFor({ ...d, blocked: false, verdict: 'ok', corsError: null })).toBeNull()
  })
})
