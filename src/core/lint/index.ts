/**
 * `lint`: a server config read line by line for the CORS mistakes that make browsers refuse responses
 * (issue 18). Pure: the caller reads the files; `include`s resolve among the files given (an `nginx -T`
 * dump carries every file nginx read) or through the caller's resolver.
 */
import { apacheScopes } from './apache-model.ts'
import { isHtaccess, looksLikeApache, parseApache } from './apache-parse.ts'
import { apacheRules } from './apache-rules.ts'
import { siteModel } from './caddy-model.ts'
import { parseCaddyfile } from './caddy-parse.ts'
import { caddyRules } from './caddy-rules.ts'
import { nginxContexts } from './nginx-model.ts'
import {
  dumpResolver,
  type IncludeResolver,
  parseNginx,
  type SourceFile,
  splitNginxDump,
} from './nginx-parse.ts'
import { nginxRules } from './nginx-rules.ts'
import { hasCaddyLine, hasNginxLine } from './scan.ts'
import type { LintFinding, LintResult, LintServer } from './types.ts'

export {
  ConfigError,
  fullName,
  globMatch,
  hasGlob,
  type IncludeResolver,
  LIMITS as LINT_LIMITS,
  type SourceFile,
} from './nginx-parse.ts'
export type { LintFinding, LintFix, LintResult, LintServer, LintWhen } from './types.ts'
export { WHEN_WORDS, whenWords } from './types.ts'

export interface LintOptions {
  /** Which server's grammar; without it, detectServer decides per file. */
  readonly server?: LintServer
  /** Reads what an `include` names; without it, includes resolve among `files` only. */
  readonly resolve?: IncludeResolver
}

/**
 * The server a file is for when no --server is given: Apache for a file that is unambiguously Apache's
 * (looksLikeApache); Caddy for a file named Caddyfile (or *.caddyfile, *.caddy) or a text whose lines are
 * Caddy directives and none an nginx `…;` one; nginx otherwise.
 */
export function detectServer(f: SourceFile): LintServer {
  if (looksLikeApache(f)) return 'apache'
  const base = f.file.slice(f.file.lastIndexOf('/') + 1)
  if (/^Caddyfile|\.caddyfile$|\.caddy$/i.test(base)) return 'caddy'
  const head = f.text.slice(0, 256 * 1024)
  return hasCaddyLine(head, CADDY_DIRECTIVE) && !hasNginxLine(head, NGINX_DIRECTIVE) ? 'caddy' : 'nginx'
}

/** A line's leading directive, matched at one line start (sticky): the line scans run them per line. */
const CADDY_DIRECTIVE =
  /[ \t]*(?:reverse_proxy|header_down|handle_path|handle_errors|file_server|respond|redir)\b/y
const NGINX_DIRECTIVE = /[ \t]*(?:proxy_pass|add_header|server_name|listen|location|include)\b/y

/** Lints each file given as a main config (or an `nginx -T` dump). Throws ConfigError on unusable input. */
export function lint(files: readonly SourceFile[], opts: LintOptions = {}): LintResult {
  const findings: LintFinding[] = []
  for (const f of files) {
    const server = opts.server ?? detectServer(f)
    if (server === 'apache') {
      const root = parseApache(f, opts.resolve ?? dumpResolver(files))
      for (const x of apacheRules(apacheScopes(root, isHtaccess(f.file)), root))
        findings.push({ server, ...x })
      continue
    }
    if (server === 'caddy') {
      const parsed = parseCaddyfile(f, opts.resolve ?? dumpResolver(files))
      for (const x of caddyRules(parsed.sites.map(siteModel))) findings.push({ server, ...x })
      continue
    }
    const dump = splitNginxDump(f.text)
    const main = dump ? (dump[0] as SourceFile) : f
    const resolve = dump ? dumpResolver(dump) : (opts.resolve ?? dumpResolver(files))
    const root = parseNginx(main, resolve)
    for (const x of nginxRules(nginxContexts(root), root)) findings.push({ server, ...x })
  }
  return { findings }
}
export { configCheckFor, configLines, explainingFinding, type RankedFinding } from './explain.ts'
