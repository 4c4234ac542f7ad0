/**
 * `lint`: a server config read line by line for the CORS mistakes that make browsers refuse responses
 * (issue 18). Pure: the caller reads the files; `include`s resolve among the files given (an `nginx -T`
 * dump carries every file nginx read) or through the caller's resolver.
 */
import { apacheScopes } from './apache-model.ts'
import { isHtaccess, looksLikeApache, parseApache } from './apache-parse.ts'
import { apacheRules } from './apache-rules.ts'
import { nginxContexts } from './nginx-model.ts'
import {
  ConfigError,
  dumpResolver,
  type IncludeResolver,
  parseNginx,
  type SourceFile,
  splitNginxDump,
} from './nginx-parse.ts'
import { nginxRules } from './nginx-rules.ts'
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
export { WHEN_WORDS } from './types.ts'

export interface LintOptions {
  readonly server?: LintServer
  /** Reads what an `include` names; without it, includes resolve among `files` only. */
  readonly resolve?: IncludeResolver
}

/**
 * Lints each file given as a main config (or an `nginx -T` dump). Without `server`, a file that is
 * unambiguously Apache's (looksLikeApache) is read as Apache, any other as nginx. Throws ConfigError on
 * unusable input.
 */
export function lint(files: readonly SourceFile[], opts: LintOptions = {}): LintResult {
  const findings: LintFinding[] = []
  for (const f of files) {
    const server = opts.server ?? (looksLikeApache(f) ? 'apache' : 'nginx')
    if (server === 'apache') {
      const root = parseApache(f, opts.resolve ?? dumpResolver(files))
      for (const x of apacheRules(apacheScopes(root, isHtaccess(f.file)), root))
        findings.push({ server, ...x })
      continue
    }
    if (server !== 'nginx')
      throw new ConfigError(`--server ${server} is not supported yet (nginx and apache only)`, f.file, 1)
    const dump = splitNginxDump(f.text)
    const main = dump ? (dump[0] as SourceFile) : f
    const resolve = dump ? dumpResolver(dump) : (opts.resolve ?? dumpResolver(files))
    const root = parseNginx(main, resolve)
    for (const x of nginxRules(nginxContexts(root), root)) findings.push({ server, ...x })
  }
  return { findings }
}
