// `--format github|junit` (issue 21): the BUILT CLI run as a workflow step would run it — lint on a config
// with an error finding, check against the loopback lab, explain on a real DevTools HAR. GitHub output is
// read back with the runner's own parsing rules; JUnit output is validated against jenkinsci/xunit-plugin's
// XSD with xmllint and parsed by junit2json. Hostile input must not be able to forge a workflow command.
import { spawn, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import fc from 'fast-check'
import { parse as parseJunit, type TestSuites } from 'junit2json'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { workflowCommand, xmlAttr, xmlText } from '../../src/cli/formats.ts'
import { safeLine } from '../../src/cli/terminal.ts'
import { har, harEntry } from '../harness/har.ts'
import { ESC, TERMINAL_ATTACKS } from '../lab/hostile-server.ts'
import type { Scenario } from '../lab/scenario.ts'
import { scenarios } from '../lab/scenarios.ts'
import { API_HOST, type Lab, PAGE_HOST, startLab } from '../lab/server.ts'
import { BIN, buildCli, hasStackTrace, ROOT } from './run.ts'

const XSD = resolve(ROOT, 'test/fixtures/junit/junit-10.xsd')
const DEVTOOLS_HAR = resolve(ROOT, 'test/fixtures/har/chrome-devtools.har')
let dir = ''
let lab: Lab
let raw: Server
let rawUrl = ''

// ---------------------------------------------------------------------------------------------------------
// Running the bin as a step does: its own cwd and environment, $GITHUB_STEP_SUMMARY a file.

interface Step {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
  readonly summary: string
}

/** Asynchronous: the lab and the raw server answer from this process's event loop. */
async function step(args: readonly string[], cwd = dir): Promise<Step> {
  const summary = join(dir, `summary-${Math.random().toString(36).slice(2)}.md`)
  writeFileSync(summary, '')
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    GITHUB_ACTIONS: 'true',
    GITHUB_STEP_SUMMARY: summary,
  }
  const child = spawn('node', [BIN, ...args], { cwd, env })
  const out: Buffer[] = []
  const err: Buffer[] = []
  child.stdout.on('data', (b: Buffer) => out.push(b))
  child.stderr.on('data', (b: Buffer) => err.push(b))
  const [code] = (await once(child, 'close')) as [number | null]
  const text = (chunks: Buffer[]): string => Buffer.concat(chunks).toString('utf8')
  return { code: code ?? -1, stdout: text(out), stderr: text(err), summary: readFileSync(summary, 'utf8') }
}

/** What the Actions runner makes of one log line (actions/runner src/Runner.Worker/ActionCommand.cs). */
interface Command {
  readonly command: string
  readonly properties: Record<string, string>
  readonly data: string
}

/** The runner's unescaping: data knows %0D %0A %25; properties also %3A %2C (ActionCommand.cs). */
const DATA_ESCAPES: Record<string, string> = { '%0D': '\r', '%0A': '\n', '%25': '%' }
const PROPERTY_ESCAPES: Record<string, string> = { ...DATA_ESCAPES, '%3A': ':', '%2C': ',' }
const unescapeWith = (s: string, map: Record<string, string>): string =>
  s.replace(/%[0-9A-F]{2}/gi, (m) => map[m.toUpperCase()] ?? m)

/** TryParseV2: `::cmd k=v,k=v::data` after leading spaces; then TryParse: `##[cmd k=v;]data` anywhere. */
function runnerCommand(line: string): Command | null {
  const t = line.trimStart()
  if (t.startsWith('::')) {
    const end = t.indexOf('::', 2)
    if (end >= 0) {
      const info = t.slice(2, end)
      const space = info.indexOf(' ')
      const properties: Record<string, string> = {}
      for (const p of space < 0 ? [] : info.slice(space + 1).split(',')) {
        const eq = p.indexOf('=')
        if (eq > 0) properties[p.slice(0, eq)] = unescapeWith(p.slice(eq + 1), PROPERTY_ESCAPES)
      }
      const command = space < 0 ? info : info.slice(0, space)
      return { command, properties, data: unescapeWith(t.slice(end + 2), DATA_ESCAPES) }
    }
  }
  const legacy = line.indexOf('##[')
  if (legacy >= 0 && line.indexOf(']', legacy) >= 0) {
    const info = line.slice(legacy + 3, line.indexOf(']', legacy))
    return {
      command: info.split(' ')[0] ?? '',
      properties: {},
      data: line.slice(line.indexOf(']', legacy) + 1),
    }
  }
  return null
}

function commands(s: Step): Command[] {
  return `${s.stdout}\n${s.stderr}`
    .split(/\r?\n/)
    .map(runnerCommand)
    .filter((c): c is Command => c !== null)
}

/** Only annotations we made: no other command, every title ours. */
function onlyOurAnnotations(s: Step): Command[] {
  const found = commands(s)
  for (const c of found) {
    expect(['error', 'warning', 'notice'], JSON.stringify(c)).toContain(c.command)
    expect(c.properties.title, JSON.stringify(c)).toMatch(/^cors-lens: /)
  }
  return found
}

// ---------------------------------------------------------------------------------------------------------
// JUnit: the XSD (xmllint) and a JUnit parser from npm

function validateXsd(xml: string): void {
  const p = join(dir, `junit-${Math.random().toString(36).slice(2)}.xml`)
  writeFileSync(p, xml)
  const r = spawnSync('xmllint', ['--noout', '--schema', XSD, p], { encoding: 'utf8' })
  expect(r.status, r.stderr).toBe(0)
  expect(r.stderr).toContain('validates')
}

async function junitOf(s: Step): Promise<TestSuites> {
  validateXsd(s.stdout)
  return (await parseJunit(s.stdout)) as TestSuites
}

// ---------------------------------------------------------------------------------------------------------

const BROKEN_CONF = `events {}
http {
 server {
  listen 8080;
  location /api/ {
   add_header Access-Control-Allow-Origin *;
   add_header Access-Control-Allow-Credentials true;
   proxy_pass http://127.0.0.1:9;
  }
 }
}
`
const CLEAN_CONF =
  'events {}\nhttp {\n server {\n  listen 8080;\n  location /api/ { proxy_pass http://127.0.0.1:9; }\n }\n}\n'

const scenario = (id: string): Scenario => scenarios.find((s) => s.id === id) as Scenario
const RESOLVE = [PAGE_HOST, API_HOST].flatMap((h) => ['--resolve', `${h}:127.0.0.1`])
const checkArgs = (id: string, ...extra: string[]): string[] => [
  'check',
  lab.scenarioUrl(scenario(id)),
  '--origin',
  lab.pageOrigin,
  ...RESOLVE,
  '--timeout',
  '5',
  ...extra,
]

/** What a hostile HAR or server puts in a value: newlines then workflow commands, and terminal attacks. */
const FORGED = [
  '\n::set-output name=pwned::1',
  '\r\n::error title=cors-lens%3A forged::forged',
  '\r::add-mask::x',
  '##[set-output name=legacy;]1',
  ' ::stop-commands::tok',
  '%0A::error::encoded',
  ...TERMINAL_ATTACKS,
].join('')

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cors-lens-formats-'))
  writeFileSync(join(dir, 'nginx.conf'), BROKEN_CONF)
  writeFileSync(join(dir, 'clean.conf'), CLEAN_CONF)
  lab = await startLab({ scenarios })
  // A raw socket: header values with a bare CR, a legacy command and escapes, as no HTTP library would send.
  raw = createServer((socket) => {
    socket.once('data', () => {
      socket.end(
        `HTTP/1.1 200 OK${ESC}[2K\r\nAccess-Control-Allow-Origin: https://evil.example##[set-output name=pwned;]1\r\n` +
          `X-Note: a\r::error title=cors-lens%3A forged::forged\r\nVary: Origin ::add-mask::x\r\nContent-Length: 0\r\n\r\n`,
      )
    })
  })
  await new Promise<void>((r) => raw.listen(0, '127.0.0.1', () => r()))
  const address = raw.address()
  rawUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/x`
  buildCli()
}, 200_000)

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true })
  await lab?.close()
  await new Promise<void>((r) => (raw ? raw.close(() => r()) : r()))
})

describe('lint', () => {
  it('github: one annotation per finding at its file and line, error by severity; exit 1; job summary', async () => {
    const s = await step(['lint', '--format', 'github', 'nginx.conf'])
    expect(s.code).toBe(1)
    const found = onlyOurAnnotations(s)
    const wildcard = found.find((c) => c.data.includes('[nginx-wildcard-with-credentials]'))
    expect(wildcard).toMatchObject({ command: 'error', properties: { file: 'nginx.conf', line: '6' } })
    expect(wildcard?.properties.title).toContain('Access-Control-Allow-Credentials: true')
    expect(wildcard?.data).toContain('WildcardOriginNotAllowed')
    expect(found.find((c) => c.data.includes('[nginx-acao-in-front-of-upstream]'))?.command).toBe('warning')
    expect(s.stdout).toMatch(/^::error file=nginx\.conf,line=6,title=cors-lens%3A /m)
    expect(s.summary).toMatch(
      /^\| error \| nginx\.conf:6 \| nginx-wildcard-with-credentials \| WildcardOriginNotAllowed \|/m,
    )
  })

  it('github: an absolute path inside the workspace is annotated relative to it', async () => {
    const s = await step(['lint', '--format', 'github', join(dir, 'nginx.conf')])
    expect(commands(s).every((c) => c.properties.file === 'nginx.conf')).toBe(true)
  })

  it('junit: one test case per finding, failures = error findings; valid by the XSD and junit2json', async () => {
    const s = await step(['lint', '--format', 'junit', 'nginx.conf'])
    expect(s.code).toBe(1)
    const j = await junitOf(s)
    const suite = j.testsuite?.[0]
    expect(suite).toMatchObject({ name: 'cors-lens lint', tests: 4, failures: 3, errors: 0 })
    const wildcard = suite?.testcase?.find((c) => c.name === 'nginx.conf:6 nginx-wildcard-with-credentials')
    expect(wildcard?.classname).toBe('nginx.conf')
    expect(wildcard?.failure?.[0]?.type).toBe('nginx-wildcard-with-credentials')
    expect(wildcard?.failure?.[0]?.inner).toContain('WildcardOriginNotAllowed')
  })

  it('a clean config: exit 0, no error annotation, one passing test case', async () => {
    const g = await step(['lint', '--format', 'github', 'clean.conf'])
    expect(g.code).toBe(0)
    expect(commands(g)).toEqual([])
    expect(g.summary).toContain('Nothing blocked.')
    const j = await junitOf(await step(['lint', '--format', 'junit', 'clean.conf']))
    expect(j.testsuite?.[0]).toMatchObject({ tests: 1, failures: 0, errors: 0 })
  })
})

describe('check against the lab', () => {
  it('github: a blocked request is an error annotation with the URL in its title; exit 1; summary', async () => {
    const s = await step(checkArgs('multi-star-origin', '--format', 'github'))
    expect(s.code, s.stderr).toBe(1)
    const [c, ...rest] = onlyOurAnnotations(s)
    expect(rest).toEqual([])
    expect(c?.command).toBe('error')
    expect(c?.properties.title).toBe(
      `cors-lens: BLOCKED MultipleAllowOriginValues: GET ${lab.scenarioUrl(scenario('multi-star-origin'))}`,
    )
    expect(c?.data).toContain('Fix (')
    expect(s.summary).toMatch(
      /^\| BLOCKED \| GET http:\/\/api\.test:\d+\/s\/multi-star-origin \| MultipleAllowOriginValues \|/m,
    )
  })

  it('github: an allowed request is a notice; exit 0', async () => {
    const s = await step(checkArgs('ok-star', '--format', 'github'))
    expect(s.code).toBe(0)
    expect(onlyOurAnnotations(s).map((c) => c.command)).toEqual(['notice'])
  })

  it('junit: the blocked request is a failed test case typed with its CorsError', async () => {
    const s = await step(checkArgs('multi-star-origin', '--format', 'junit'))
    expect(s.code).toBe(1)
    const suite = (await junitOf(s)).testsuite?.[0]
    expect(suite).toMatchObject({ name: 'cors-lens check', tests: 1, failures: 1, errors: 0 })
    expect(suite?.testcase?.[0]?.failure?.[0]?.type).toBe('MultipleAllowOriginValues')
  })

  it('a refused connection: exit 2, an error annotation, a JUnit report with one error', async () => {
    const closed = rawUrl.replace(/:\d+\//, ':9/')
    // A page on this machine: a public one calling 127.0.0.1 would be a Local Network Access block (exit 1).
    const page = ['--origin', 'https://app.example', '--origin-address', 'loopback']
    const g = await step(['check', closed, ...page, '--format', 'github'])
    const j = await step(['check', closed, ...page, '--format', 'junit'])
    expect([g.code, j.code]).toEqual([2, 2])
    expect(hasStackTrace(g.stdout + g.stderr + j.stdout + j.stderr)).toBe(false)
    // No response, so no report: the one-line error, and with github an annotation saying it.
    expect(onlyOurAnnotations(g)).toMatchObject([
      { command: 'error', data: expect.stringMatching(/refused/i) },
    ])
    expect(j.stderr).toMatch(/refused/i)
    expect((await junitOf(j)).testsuite?.[0]).toMatchObject({ tests: 1, errors: 1, failures: 0 })
  })

  it('--json is --format json; --json with another format, or an unknown format, is exit 2', async () => {
    const a = await step(checkArgs('ok-star', '--json'))
    const b = await step(checkArgs('ok-star', '--format', 'json'))
    expect(JSON.parse(b.stdout)).toEqual(JSON.parse(a.stdout))
    expect((await step(checkArgs('ok-star', '--json', '--format', 'junit'))).code).toBe(2)
    expect((await step(checkArgs('ok-star', '--format', 'xml'))).stderr).toMatch(
      /--format must be text, json, github or junit/,
    )
  })
})

describe('explain on a real DevTools HAR', () => {
  it('github: one error annotation per blocked request; exit 1; the table in the summary', async () => {
    const s = await step(['explain', '--format', 'github', DEVTOOLS_HAR])
    expect(s.code).toBe(1)
    const found = onlyOurAnnotations(s)
    expect(found.filter((c) => c.command === 'error')).toHaveLength(7)
    expect(found.map((c) => c.properties.title)).toContainEqual(
      expect.stringMatching(
        /^cors-lens: BLOCKED HeaderDisallowedByPreflightResponse: GET http:\/\/api\.test:\d+\/s\/header-xhr$/,
      ),
    )
    expect(s.stdout).toMatch(/12 cross-origin requests — 7 blocked/)
    expect(s.summary.match(/^\| BLOCKED \|/gm)).toHaveLength(7)
  })

  it('junit: one test case per cross-origin request, 7 failures', async () => {
    const s = await step(['explain', '--format', 'junit', DEVTOOLS_HAR])
    expect(s.code).toBe(1)
    const suite = (await junitOf(s)).testsuite?.[0]
    expect(suite).toMatchObject({ tests: 12, failures: 7, errors: 0 })
    expect(suite?.testcase?.filter((c) => c.failure).map((c) => c.failure?.[0]?.type)).toContain(
      'MultipleAllowOriginValues',
    )
  })

  it('--format json prints what --json prints', async () => {
    const a = await step(['explain', '--format', 'json', DEVTOOLS_HAR])
    expect(a.stdout).toBe((await step(['explain', '--json', DEVTOOLS_HAR])).stdout)
  })
})

describe('hostile input cannot forge a workflow command or break the XML', () => {
  const hostileHar = (): string =>
    har([
      {
        ...harEntry({
          url: `https://api.example/${encodeURIComponent(FORGED)}`,
          requestHeaders: [{ name: 'Origin', value: 'https://app.example' }],
          responseHeaders: [
            { name: 'Access-Control-Allow-Origin', value: `https://evil.example${FORGED}` },
            { name: 'Vary', value: `Origin${FORGED}\u0000\ud800\uffff\ufffe` },
          ],
        }),
        _error: `net::ERR_FAILED${FORGED}`,
      },
    ])

  it('explain: every format, every line read as the runner reads it', async () => {
    const p = join(dir, 'hostile.har')
    writeFileSync(p, hostileHar())
    for (const format of ['github', 'junit', 'text', 'json']) {
      const s = await step(['explain', '--format', format, '--all', p])
      expect(s.code, `${format}: ${s.stderr}`).toBe(1)
      expect(`${s.stdout}${s.stderr}`).not.toContain('##[')
      if (format === 'github') expect(onlyOurAnnotations(s).length).toBeGreaterThan(0)
      else expect(commands(s)).toEqual([])
      if (format === 'junit') expect((await junitOf(s)).testsuite?.[0]?.failures).toBe(1)
      if (format === 'json') {
        const [entry] = (JSON.parse(s.stdout) as { entries: { headers: { value: string }[] }[] }).entries
        // Still the value the server sent: `\u0023` is "#" to a JSON reader.
        expect(entry?.headers.map((h) => h.value).join('')).toContain('##[set-output name=legacy;]1')
      }
    }
  })

  it('check: a raw server with a bare CR and a legacy command in its headers', async () => {
    for (const format of ['github', 'junit', 'text', 'json']) {
      const s = await step(['check', rawUrl, '--origin', 'https://app.example', '--format', format])
      expect(s.code, `${format}: ${s.stderr}`).toBe(1)
      expect(`${s.stdout}${s.stderr}`).not.toContain('##[')
      if (format === 'github') expect(onlyOurAnnotations(s)).toHaveLength(1)
      else expect(commands(s)).toEqual([])
      if (format === 'junit') await junitOf(s)
    }
  })

  it('secrets are redacted as in --json (the same report objects)', async () => {
    const p = join(dir, 'secrets.har')
    const entry = harEntry({
      url: 'https://api.example/items?access_token=sekrit-in-url',
      requestHeaders: [
        { name: 'Origin', value: 'https://app.example' },
        { name: 'Authorization', value: 'Bearer sekrit-in-header' },
      ],
    })
    writeFileSync(p, har([{ ...entry, _error: 'net::ERR_FAILED' }]))
    for (const format of ['github', 'junit']) {
      const s = await step(['explain', '--format', format, p])
      expect(s.code).toBe(1)
      expect(`${s.stdout}${s.stderr}${s.summary}`).not.toMatch(/sekrit/)
    }
  })

  it('a file name full of commands is escaped in the annotation properties', async () => {
    const name = 'a,b::set-output name=x::1.conf'
    writeFileSync(join(dir, name), BROKEN_CONF)
    const found = onlyOurAnnotations(await step(['lint', '--format', 'github', name]))
    expect(found.length).toBeGreaterThan(0)
    expect(found.every((c) => c.properties.file === name)).toBe(true)
  })
})

describe('the escaping functions, for any string', () => {
  /** XML 1.0 Char (w3.org/TR/xml/#charsets), code point by code point. */
  const XML_CHARS = /^[\t\n\r\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]*$/u

  it('a workflow command is one line the runner reads back as our annotation, properties intact', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 120 }),
        fc.string({ unit: 'binary' }),
        (text, file) => {
          const line = workflowCommand({
            level: 'warning',
            title: text,
            message: text,
            lines: [text, text],
            file,
          })
          expect(line).not.toMatch(/[\r\n]/)
          expect(line).not.toContain('##[')
          const c = runnerCommand(line)
          expect(c?.command).toBe('warning')
          expect(c?.properties.title).toBe(`cors-lens: ${safeLine(text)}`.slice(0, 500))
          if (file) expect(c?.properties.file).toBe(safeLine(file))
          expect(c?.data).toBe(`${safeLine(text)}\n${safeLine(text)}`)
        },
      ),
    )
  })

  it('XML text and attributes hold only characters XML 1.0 allows, and no markup', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => {
        for (const x of [xmlText([s, s]), xmlAttr(s)]) {
          expect(x).toMatch(XML_CHARS)
          expect(x).not.toMatch(/[<>"']|&(?!amp;|lt;|gt;|quot;|apos;)/)
        }
        expect(xmlAttr(s)).not.toContain('\n')
      }),
    )
  })
})
