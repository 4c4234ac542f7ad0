/**
 * `cors-lens mcp [--root DIR]...`: an MCP server over stdio for coding agents (the official TypeScript SDK,
 * bundled into the CLI). stdout carries only protocol messages; every tool failure is a tool error
 * (isError), never the end of the server.
 */
import { parseArgs } from 'node:util'
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { CliError, EXIT } from './io.ts'
import { Roots } from './mcp-roots.ts'
import {
  type Answer,
  CHECK_URL_DESCRIPTION,
  checkUrl,
  checkUrlShape,
  EXPLAIN_HAR_DESCRIPTION,
  explainHar,
  explainHarShape,
  LINT_CONFIG_DESCRIPTION,
  lintConfig,
  lintConfigShape,
  type ToolContext,
} from './mcp-tools.ts'
import { escapeControls, safeLine } from './terminal.ts'
import { VERSION } from './usage.ts'

/** The answer, then the JSON exactly as the command's --json prints it (the same escaping: terminal.ts). */
function toResult(answer: Answer): CallToolResult {
  return {
    content: [
      { type: 'text', text: answer.lines.map(safeLine).join('\n') },
      { type: 'text', text: escapeControls(JSON.stringify(answer.json, null, 2), 'json') },
    ],
  }
}

function toError(tool: string, e: unknown): CallToolResult {
  // A CliError is the command's one-line message (exit 2); anything else is a bug of ours, still one line.
  const why =
    e instanceof CliError ? e.message : `internal error: ${e instanceof Error ? e.message : String(e)}`
  return { content: [{ type: 'text', text: safeLine(`${tool}: ${why}`) }], isError: true }
}

function guarded<A>(tool: string, run: (args: A) => Promise<Answer>): (args: A) => Promise<CallToolResult> {
  return async (args) => {
    try {
      return toResult(await run(args))
    } catch (e) {
      return toError(tool, e)
    }
  }
}

const READ_ONLY = { readOnlyHint: true, destructiveHint: false, idempotentHint: true } as const

export function createServer(ctx: ToolContext): McpServer {
  const server = new McpServer({ name: 'cors-lens', version: VERSION })
  server.registerTool(
    'check_url',
    {
      title: 'Check a URL as a browser would',
      description: CHECK_URL_DESCRIPTION,
      inputSchema: checkUrlShape,
      // It sends the request asked for: a POST with data is not read-only on the server's side.
      annotations: { openWorldHint: true },
    },
    guarded('check_url', (a) => checkUrl(a, ctx)),
  )
  server.registerTool(
    'explain_har',
    {
      title: 'Explain the CORS failures in a HAR file',
      description: EXPLAIN_HAR_DESCRIPTION,
      inputSchema: explainHarShape,
      annotations: { ...READ_ONLY, openWorldHint: false },
    },
    guarded('explain_har', (a) => explainHar(a, ctx)),
  )
  server.registerTool(
    'lint_config',
    {
      title: 'Lint a server config for CORS mistakes',
      description: LINT_CONFIG_DESCRIPTION,
      inputSchema: lintConfigShape,
      annotations: { ...READ_ONLY, openWorldHint: false },
    },
    guarded('lint_config', (a) => lintConfig(a, ctx)),
  )
  return server
}

function parseRoots(argv: readonly string[]): string[] {
  try {
    const { values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: { root: { type: 'string', multiple: true } },
    })
    return values.root?.length ? values.root : ['.']
  } catch (e) {
    throw new CliError(e instanceof Error ? e.message : String(e), { usage: true })
  }
}

/** Serves until the client closes stdin. */
export async function runMcp(argv: readonly string[]): Promise<number> {
  const roots = Roots.of(parseRoots(argv))
  // stdout is the protocol's: anything logged goes to stderr instead.
  console.log = console.info = console.debug = console.error
  const transport = new StdioServerTransport()
  const closed = new Promise<void>((resolve) => {
    process.stdin.once('end', resolve)
    transport.onclose = resolve
  })
  await createServer({ roots }).connect(transport)
  await closed
  return EXIT.allowed
}
