// `cors-lens mcp`: the BUILT server (node build/cli/cors-lens.mjs mcp), driven over stdio by the MCP SDK's own
// Client. Each tool answers with the very JSON of its command's --json (compared with the command run on the
// same input), against the lab's scripted servers, a real HAR export and an nginx config; hostile arguments
// are tool errors (isError) and the next call still works.

import {
  closeSync,
  copyFileSync,
  ftruncateSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CheckJsonEntry } from '../../src/cli/check.ts'
import { MAX_HAR_BYTES } from '../../src/cli/explain.ts'
import type { JsonEntry } from '../../src/cli/report.ts'
import type { Scenario } from '../lab/scenario.ts'
import { scenarios } from '../lab/scenarios.ts'
import { API_HOST, type Lab, startLab } from '../lab/server.ts'
import { BIN, buildCli, ROOT, runInProcess, spawnCli } from './run.ts'

interface ToolResult {
  readonly isError: boolean
  /** The text answer (first content block). */
  readonly answer: string
  /** The JSON text (second content block), '' on an error. */
  readonly json: string
}

let lab: Lab
let client: Client
let stderr = ''
const protocolErrors: Error[] = []
const root = mkdtempSync(join(tmpdir(), 'cors-lens-mcp-root-'))
const outside = mkdtempSync(join(tmpdir(), 'cors-lens-mcp-outside-'))

const BROKEN_NGINX = `events {}
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

function scenario(id: string): Scenario {
  const s = scenarios.find((x) => x.id === id)
  if (!s) throw new Error(`no lab scenario ${id}`)
  return s
}

async function call(name: string, args: Record<string, unknown>): Promise<ToolResult> {
  const r = (await client.callTool({ name, arguments: args })) as {
    isError?: boolean
    content: { type: string; text?: string }[]
  }
  return { isError: r.isError === true, answer: r.content[0]?.text ?? '', json: r.content[1]?.text ?? '' }
}

function layFiles(): void {
  copyFileSync(join(ROOT, 'test/fixtures/har/firefox.har'), join(root, 'firefox.har'))
  writeFileSync(join(root, 'broken.conf'), BROKEN_NGINX)
  writeFileSync(join(outside, 'secret.conf'), BROKEN_NGINX)
  writeFileSync(join(outside, 'outside.har'), '{"log":{"entries":[]}}')
  symlinkSync(join(outside, 'outside.har'), join(root, 'link.har'))
  mkdirSync(join(root, 'sub'))
  symlinkSync(outside, join(root, 'sub', 'escape'))
  // Sparse: over the limit by one byte, without writing 256 MB.
  const fd = openSync(join(root, 'huge.har'), 'w')
  ftruncateSync(fd, MAX_HAR_BYTES + 1)
  closeSync(fd)
}

beforeAll(async () => {
  buildCli()
  layFiles()
  lab = await startLab({ scenarios })
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [BIN, 'mcp', '--root', root],
    cwd: outside,
    stderr: 'pipe',
  })
  transport.stderr?.on('data', (c: Buffer) => {
    stderr += c.toString()
  })
  client = new Client({ name: 'cors-lens-test', version: '1' })
  // A line on stdout that is not a protocol message shows up here.
  client.onerror = (e) => protocolErrors.push(e)
  await client.connect(transport)
})
afterAll(async () => {
  await client?.close()
  await lab?.close()
  rmSync(root, { recursive: true, force: true })
  rmSync(outside, { recursive: true, force: true })
})

describe('cors-lens mcp: the bundle', () => {
  it('the SDK and zod are bundled, in a chunk only `mcp` loads: nothing but node: and our own files is imported', () => {
    const main = readFileSync(BIN, 'utf8')
    const chunk = readFileSync(join(dirname(BIN), 'cors-lens-mcp.mjs'), 'utf8')
    const specifiers = (code: string): string[] =>
      [...code.matchAll(/^(?:import|export)\b[^;'"]*?from\s*"([^"]+)"|\bimport\("([^"]+)"\)/gm)].map(
        (m) => m[1] ?? m[2] ?? '',
      )
    for (const s of [...specifiers(main), ...specifiers(chunk)])
      expect(s).toMatch(/^(node:|\.\/cors-lens(-mcp)?\.mjs$)/)
    expect(specifiers(main)).toContain('./cors-lens-mcp.mjs')
    expect(main).not.toContain('StdioServerTransport already started')
    expect(chunk).toContain('StdioServerTransport already started')
  })
})

describe('cors-lens mcp: the tools and their schemas', () => {
  it('lists check_url, explain_har and lint_config with their input schemas', async () => {
    const { tools } = await client.listTools()
    const byName = new Map(tools.map((t) => [t.name, t]))
    expect([...byName.keys()].sort()).toEqual(['check_url', 'explain_har', 'lint_config'])
    const check = byName.get('check_url')?.inputSchema
    expect(check?.required).toEqual(['url', 'origin'])
    expect(Object.keys(check?.properties ?? {}).sort()).toEqual(
      ['credentials', 'data', 'headers', 'method', 'origin', 'upstream', 'url'].sort(),
    )
    expect(byName.get('explain_har')?.inputSchema.required).toEqual(['path'])
    const lint = byName.get('lint_config')?.inputSchema.properties as Record<string, { enum?: string[] }>
    expect(lint.server?.enum).toEqual(['nginx', 'apache', 'caddy'])
    for (const t of tools) expect(t.description?.length ?? 0).toBeGreaterThan(80)
  })
})

describe('check_url against the lab', () => {
  const upstream = [`${API_HOST}:127.0.0.1`]

  it("a duplicate Access-Control-Allow-Origin: check's verdict and exactly check --json", async () => {
    const s = scenario('multi-origin-origin')
    const url = lab.scenarioUrl(s)
    const r = await call('check_url', { url, origin: lab.pageOrigin, upstream })
    expect(r.isError, r.answer).toBe(false)
    const entry = JSON.parse(r.json) as CheckJsonEntry
    expect(entry.corsError).toBe('MultipleAllowOriginValues')
    expect(entry.blocked).toBe(true)
    expect(r.answer).toContain('A browser would BLOCK this')
    expect(r.answer).toContain('MultipleAllowOriginValues')
    expect(r.answer).toMatch(/Recommended fix \(/)
    const cli = await runInProcess([
      'check',
      url,
      '--origin',
      lab.pageOrigin,
      '--resolve',
      `${API_HOST}:127.0.0.1`,
      // check_url sends only the request (its description says so): check without its layer probes.
      '--no-probe',
      '--json',
    ])
    expect(r.json).toBe(cli.stdout)
  })

  it('a POST with data and no ACAO: MissingAllowOriginHeader (upstream as a bare address)', async () => {
    const s = scenario('missing-acao-post')
    const r = await call('check_url', {
      url: lab.scenarioUrl(s),
      origin: lab.pageOrigin,
      method: 'POST',
      headers: { 'Content-Type': 'text/plain' },
      data: 'x',
      upstream: '127.0.0.1',
    })
    expect(r.isError, r.answer).toBe(false)
    const entry = JSON.parse(r.json) as CheckJsonEntry
    expect(entry.corsError).toBe('MissingAllowOriginHeader')
    expect(entry.preflight.seen).toBe(false)
  })
})

describe('check_url: the body, credentials and secrets', () => {
  let hits: { method: string; headers: string[]; body: string }[] = []
  let server: Server
  let base = ''
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = ''
      req.on('data', (c: Buffer) => {
        body += c.toString()
      })
      req.on('end', () => {
        hits.push({ method: req.method ?? '', headers: req.rawHeaders, body })
        const origin = req.headers.origin ?? ''
        const redirect = /^\/redirect\/(\d+)$/.exec(req.url ?? '')
        res.writeHead(
          redirect ? Number(redirect[1]) : 200,
          [
            ['Access-Control-Allow-Origin', origin],
            ['Access-Control-Allow-Credentials', 'true'],
            ['Access-Control-Allow-Methods', 'PUT'],
            ['Access-Control-Allow-Headers', 'authorization, content-type'],
            ['Vary', 'Origin'],
            ...(redirect ? [['Location', '/items']] : []),
          ].flat(),
        )
        res.end()
      })
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(async () => {
    server.closeAllConnections()
    await new Promise<void>((r) => server.close(() => r()))
  })

  it('data is the body of the request, never of the preflight; a string body is text/plain', async () => {
    hits = []
    const r = await call('check_url', {
      url: `${base}/items`,
      origin: 'https://app.example',
      method: 'PUT',
      data: 'héllo',
    })
    expect(r.isError, r.answer).toBe(false)
    expect(JSON.parse(r.json).corsError).toBeNull()
    expect(hits.map((h) => [h.method, h.body])).toEqual([
      ['OPTIONS', ''],
      ['PUT', 'héllo'],
    ])
    const put = hits[1]?.headers ?? []
    expect(put[put.findIndex((h) => /^content-type$/i.test(h)) + 1]).toBe('text/plain;charset=UTF-8')
    expect(put[put.findIndex((h) => /^content-length$/i.test(h)) + 1]).toBe('6')
  })

  it.each([
    [303, 'GET', ''],
    [307, 'POST', 'x=1'],
  ])(
    'a %i redirect: the next request is a %s with body "%s", as fetch() follows it',
    async (status, method, body) => {
      hits = []
      const r = await call('check_url', {
        url: `${base}/redirect/${status}`,
        origin: 'https://app.example',
        method: 'POST',
        data: 'x=1',
      })
      expect(r.isError, r.answer).toBe(false)
      expect(hits.map((h) => [h.method, h.body])).toEqual([
        ['POST', 'x=1'],
        [method, body],
      ])
    },
  )

  it('secrets are redacted in the JSON and the answer, as in every output', async () => {
    const r = await call('check_url', {
      url: `${base}/me?access_token=tok-s3cret`,
      origin: 'https://app.example',
      headers: { Authorization: 'Bearer bearer-s3cret', Cookie: 'sid=cookie-s3cret' },
      credentials: 'include',
    })
    expect(r.isError, r.answer).toBe(false)
    const entry = JSON.parse(r.json) as JsonEntry
    expect(entry.credentials).toBe('include')
    expect(entry.headers.find((h) => h.name === 'Authorization')?.value).toBe('[redacted]')
    expect(entry.headers.find((h) => h.name === 'Cookie')?.value).toBe('[redacted]')
    expect(`${r.answer}${r.json}`).not.toMatch(/s3cret/)
  })
})

describe('explain_har and lint_config', () => {
  it('explain_har on a real Firefox export: the blocked requests, exactly explain --json', async () => {
    const r = await call('explain_har', { path: 'firefox.har' })
    expect(r.isError, r.answer).toBe(false)
    const { entries } = JSON.parse(r.json) as { entries: JsonEntry[] }
    expect(entries.map((e) => e.corsError)).toEqual(
      expect.arrayContaining(['MethodDisallowedByPreflightResponse', 'WildcardOriginNotAllowed']),
    )
    expect(r.answer).toMatch(/\d+ cross-origin requests: 2 blocked/)
    expect(r.answer).toContain('WildcardOriginNotAllowed')
    expect(`${r.answer}${r.json}`).not.toContain('lab=1')
    const cli = await runInProcess(['explain', join(root, 'firefox.har'), '--json'])
    expect(r.json).toBe(cli.stdout)
  })

  it('lint_config on nginx text: the wildcard-with-credentials finding, file "-"', async () => {
    const r = await call('lint_config', { text: BROKEN_NGINX, server: 'nginx' })
    expect(r.isError, r.answer).toBe(false)
    const { findings } = JSON.parse(r.json) as {
      findings: { code: string; corsError: string | null; file: string; line: number }[]
    }
    const f = findings.find((x) => x.code === 'nginx-wildcard-with-credentials')
    expect(f).toMatchObject({ corsError: 'WildcardOriginNotAllowed', file: '-', line: 6 })
    expect(r.answer).toContain('-:6: error:')
  })

  it('lint_config on a path: exactly lint --json', async () => {
    const path = join(root, 'broken.conf')
    const r = await call('lint_config', { path })
    const cli = await runInProcess(['lint', '--json', path])
    expect(r.isError, r.answer).toBe(false)
    expect(r.json).toBe(cli.stdout)
  })
})

describe('hostile arguments: tool errors, never a crash', () => {
  const refused: [string, string, Record<string, unknown>, RegExp][] = [
    [
      'a path outside the roots',
      'explain_har',
      { path: join(outside, 'outside.har') },
      /outside the directories/,
    ],
    ['a relative path climbing out', 'explain_har', { path: '../../etc/passwd' }, /outside the directories/],
    ['a symlink to a file outside', 'explain_har', { path: 'link.har' }, /symbolic link/],
    ['a symlinked directory outside', 'lint_config', { path: 'sub/escape/secret.conf' }, /symbolic link/],
    [
      'an include outside the roots',
      'lint_config',
      { text: `events {}\nhttp { include ${join(outside, 'secret.conf')}; }\n` },
      /outside the directories/,
    ],
    [
      'a HAR over the size limit',
      'explain_har',
      { path: 'huge.har' },
      /more than cors-lens reads \(256 MB\)/,
    ],
    ['a control character in a path', 'explain_har', { path: 'firefox.har\n' }, /control character/],
    [
      'a control character in the URL',
      'check_url',
      { url: 'http://127.0.0.1:9/\u0000', origin: 'https://a.example' },
      /control character/,
    ],
    [
      'CR LF in a header value',
      'check_url',
      { url: 'http://127.0.0.1:9/', origin: 'https://a.example', headers: { 'X-A': '1\r\nHost: evil' } },
      /control character/,
    ],
    ['a wrong type', 'check_url', { url: 42, origin: 'https://a.example' }, /Input validation error/],
    [
      'headers not an object',
      'check_url',
      { url: 'http://127.0.0.1:9/', origin: 'https://a.example', headers: 'X: 1' },
      /Input validation error/,
    ],
    [
      'a body with GET',
      'check_url',
      { url: 'http://127.0.0.1:9/', origin: 'https://a.example', data: 'x' },
      /GET request with a body/,
    ],
    [
      'not an origin',
      'check_url',
      { url: 'http://127.0.0.1:9/', origin: 'https://a.example/path' },
      /is not an origin/,
    ],
    [
      'a refused connection',
      'check_url',
      { url: 'http://127.0.0.1:9/', origin: 'https://a.example' },
      /connection refused/,
    ],
    ['both path and text', 'lint_config', { path: 'broken.conf', text: 'events {}' }, /either path or text/],
  ]

  it.each(refused)('%s', async (_what, tool, args, message) => {
    const r = await call(tool, args)
    expect(r.isError, r.answer).toBe(true)
    expect(r.answer).toMatch(message)
    // The server is still there: the next call answers.
    const next = await call('lint_config', { text: BROKEN_NGINX })
    expect(next.isError).toBe(false)
    expect(next.json).toContain('nginx-wildcard-with-credentials')
  })

  it('an error names no secret of the URL (the network error is redacted)', async () => {
    const r = await call('check_url', {
      url: 'http://127.0.0.1:9/x?access_token=url-s3cret',
      origin: 'https://a.example',
    })
    expect(r.isError).toBe(true)
    expect(r.answer).toMatch(/connection refused/)
    expect(r.answer).not.toContain('url-s3cret')
  })

  it('a --root that is not a directory: exit 2 before serving, nothing on stdout', () => {
    const r = spawnCli(['mcp', '--root', join(outside, 'secret.conf')])
    expect(r.code).toBe(2)
    expect(r.stdout).toBe('')
    expect(r.stderr).toContain('not a directory')
  })

  it('stdout carried only protocol messages and stderr stayed empty', () => {
    expect(protocolErrors).toEqual([])
    expect(stderr).toBe('')
  })
})
