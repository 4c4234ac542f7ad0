/**
 * The design's "never" rules (README, "How it works"), checked on every import line of src/: the engine knows
 * no browser, screen, terminal or transport; the panel reaches the worker only through src/protocol.ts and is
 * the same on every browser; the DevTools page does not borrow the panel; the worker never imports UI; the CLI
 * has no worker and no screen; the Playwright fixture is the engine, the CLI's wording and Playwright; outside the engine, only its public surface is imported; the engine has no
 * import cycle and its vocabulary (src/core/model/) imports nothing else of it.
 */
import { describe, expect, it } from 'vitest'
import { cycles, type Edge, importEdges } from './import-graph.ts'

const under = (dir: string) => (path: string) => path.startsWith(`${dir}/`) || path === dir
const isCore = under('src/core')
const isSrc = under('src')
const bare = (path: string): boolean => !isSrc(path) && !path.endsWith('package.json')

/** The engine's two public doors: everything (index), and what the worker may load (verdict, no recipes). */
const CORE_SURFACE = new Set(['src/core/index.ts', 'src/core/verdict.ts'])

/** `cors-lens mcp` (src/cli/mcp.ts), the one part of the CLI with dependencies, bundled and loaded lazily. */
const MCP_SERVER = new Set(['src/cli/mcp.ts', 'src/cli/mcp-tools.ts'])
const MCP_DEPENDENCY = /^(@modelcontextprotocol\/sdk\/|zod$)/

/** The CLI's words for a report and its line escaping: engine output only, no Node (one wording for both). */
const PLAYWRIGHT_MAY_BORROW = new Set(['src/cli/report.ts', 'src/cli/terminal.ts'])

interface Rule {
  readonly name: string
  readonly from: (path: string) => boolean
  readonly forbids: (target: string, from: string) => boolean
  readonly why: string
}

const RULES: readonly Rule[] = [
  {
    name: 'the engine is pure',
    from: isCore,
    forbids: (to) => !isCore(to),
    why: 'src/core knows no browser, DOM, Node, terminal or transport: it imports only src/core',
  },
  {
    name: 'the vocabulary is a leaf',
    from: under('src/core/model'),
    forbids: (to) => !under('src/core/model')(to),
    why: 'src/core/model holds the engine’s shared words and imports nothing else of the engine',
  },
  {
    name: 'one door into the engine',
    from: (p) => isSrc(p) && !isCore(p),
    forbids: (to) => isCore(to) && !CORE_SURFACE.has(to),
    why: 'outside src/core, import the engine from src/core/index.ts (or src/core/verdict.ts in the worker)',
  },
  {
    name: 'no recipes in the worker',
    from: (p) => under('src/background')(p) || p === 'src/protocol.ts',
    forbids: (to) => isCore(to) && to !== 'src/core/verdict.ts',
    why: 'the worker loads the verdict only (src/core/verdict.ts): layers and recipes are computed in the panel',
  },
  {
    name: 'the panel is the same on every browser',
    from: under('src/panel'),
    forbids: (to) =>
      ['src/platform', 'src/background', 'src/devtools', 'src/cli'].some((d) => under(d)(to)) ||
      (bare(to) && !/^preact(\/|$)/.test(to)),
    why: 'the panel reaches the worker only through src/protocol.ts; what it needs to know of the browser comes through the protocol',
  },
  {
    name: 'the DevTools page does not borrow the panel',
    from: under('src/devtools'),
    forbids: (to) => !(to === 'src/protocol.ts' || under('src/platform')(to)),
    why: 'the DevTools page speaks src/protocol.ts (its port adapter included) and nothing of the panel or the worker',
  },
  {
    name: 'the worker never imports UI',
    from: under('src/background'),
    forbids: (to) =>
      ['src/panel', 'src/devtools', 'src/cli'].some((d) => under(d)(to)) ||
      (bare(to) && !to.startsWith('webextension-polyfill')),
    why: 'the worker captures and judges; screens live in src/panel and src/cli',
  },
  {
    name: 'the platform is the browser only',
    from: under('src/platform'),
    forbids: (to) => isSrc(to) && to !== 'src/protocol.ts' && !under('src/platform')(to),
    why: 'src/platform knows the browsers’ differences and nothing of capture, the panel or the engine',
  },
  {
    name: 'the CLI has no worker and no screen',
    from: under('src/cli'),
    forbids: (to, from) =>
      ['src/background', 'src/platform', 'src/panel', 'src/devtools', 'src/protocol.ts'].some((d) =>
        under(d)(to),
      ) ||
      (bare(to) && !to.startsWith('node:') && !(MCP_SERVER.has(from) && MCP_DEPENDENCY.test(to))),
    why: 'the CLI is the engine plus Node (and the MCP SDK with zod, in the MCP server’s modules only, so the other commands never load them): no extension context, no preact, no worker protocol',
  },
  {
    name: 'the Playwright fixture is the engine plus Playwright',
    from: under('src/playwright'),
    forbids: (to) =>
      (isSrc(to) &&
        !under('src/playwright')(to) &&
        to !== 'src/core/index.ts' &&
        !PLAYWRIGHT_MAY_BORROW.has(to)) ||
      (bare(to) && !/^@playwright\/test$/.test(to)),
    why: 'src/playwright imports the engine through src/core/index.ts, the CLI’s wording (src/cli/report.ts, src/cli/terminal.ts) and @playwright/test: no worker, platform, panel or protocol, and no Node-only module (it runs inside the user’s test runner)',
  },
  {
    name: 'the protocol is types and a transport',
    from: (p) => p === 'src/protocol.ts',
    forbids: (to) => to !== 'src/core/verdict.ts',
    why: 'src/protocol.ts is the one shared language: it imports only the engine’s verdict types',
  },
]

function violations(edges: readonly Edge[]): string[] {
  return edges.flatMap((e) =>
    RULES.filter((r) => r.from(e.from) && r.forbids(e.to, e.from)).map(
      (r) => `${e.from}:${e.line} imports ${e.to} — ${r.name}: ${r.why}`,
    ),
  )
}

describe('the design, as the import lines show it', () => {
  const edges = importEdges('src')

  it('reads the import graph (the checks below see real lines)', () => {
    expect(edges.some((e) => e.from === 'src/background/worker.ts' && e.to === 'src/core/verdict.ts')).toBe(
      true,
    )
    expect(edges.some((e) => e.from === 'src/panel/main.tsx' && e.to === 'preact')).toBe(true)
  })

  it('breaks no rule', () => {
    expect(violations(edges)).toEqual([])
  })

  it('names the file, the line and the rule when one is broken', () => {
    const broken = [{ from: 'src/panel/Detail.tsx', to: 'src/platform/index.ts', line: 16 }]
    expect(violations(broken)).toEqual([
      'src/panel/Detail.tsx:16 imports src/platform/index.ts — the panel is the same on every browser: ' +
        'the panel reaches the worker only through src/protocol.ts; what it needs to know of the browser comes through the protocol',
    ])
  })

  it('keeps the Playwright fixture to the engine’s door, the CLI’s wording and @playwright/test', () => {
    const from = 'src/playwright/index.ts'
    const bad = [
      'src/background/worker.ts',
      'src/platform/index.ts',
      'src/panel/model.ts',
      'src/protocol.ts',
      'src/core/analyze.ts',
      'src/cli/main.ts',
      'node:fs',
      'playwright-core',
    ]
    const good = [
      'src/core/index.ts',
      'src/cli/report.ts',
      'src/cli/terminal.ts',
      'src/playwright/cdp.ts',
      '@playwright/test',
    ]
    for (const to of bad) expect(violations([{ from, to, line: 1 }]), to).not.toEqual([])
    expect(violations(good.map((to) => ({ from, to, line: 1 })))).toEqual([])
  })

  it('keeps the verdict below the layers: what the worker loads reaches no attribution, stack or recipe', () => {
    const core = edges.filter((e) => isCore(e.from) && isCore(e.to))
    const reached = new Set<string>()
    const visit = (file: string): void => {
      if (reached.has(file)) return
      reached.add(file)
      for (const e of core) if (e.from === file) visit(e.to)
    }
    visit('src/core/verdict.ts')
    expect(reached.has('src/core/analyze.ts')).toBe(true)
    // fixes/escape.ts is the quoting leaf (it imports only the HTTP token rule): the verdict quotes a command.
    const above = (f: string): boolean =>
      /^src\/core\/(stacks|lint)\/|^src\/core\/(attribution|diagnose)\.ts$/.test(f) ||
      (f.startsWith('src/core/fixes/') && f !== 'src/core/fixes/escape.ts')
    expect([...reached].filter(above)).toEqual([])
  })

  it('has no import cycle in the engine', () => {
    expect(cycles(edges.filter((e) => isCore(e.from) && isCore(e.to)))).toEqual([])
  })
})
