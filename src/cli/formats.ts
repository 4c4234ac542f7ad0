/**
 * CI output for explain, check and lint (`--format github|junit`), built from the same report objects as
 * `--json` (JsonEntry, LintFinding): GitHub Actions workflow commands plus a job summary, or JUnit XML with
 * one test case per request or finding. Exit codes stay the commands' own. Everything a HAR, a server or a
 * config wrote is escaped here for where it goes: a runner log line, Markdown, XML.
 */
import { appendFileSync } from 'node:fs'
import { isAbsolute, relative } from 'node:path'
import type { LintFinding } from '../core/index.ts'
import type { HarTotals } from './har-stream.ts'
import { CliError } from './io.ts'
import { entryLines, type JsonEntry, VERDICT_LABEL } from './report.ts'
import { type Output, safeLine } from './terminal.ts'

export const FORMATS = ['text', 'json', 'github', 'junit'] as const
export type Format = (typeof FORMATS)[number]
export type CiFormat = 'github' | 'junit'

/** `--format`, with `--json` as its old name for `--format json`. */
export function formatOption(values: { readonly json?: boolean; readonly format?: string }): Format {
  const f = values.format ?? (values.json ? 'json' : 'text')
  if (!(FORMATS as readonly string[]).includes(f))
    throw new CliError(`--format must be text, json, github or junit (not "${f}")`, { usage: true })
  if (values.json && f !== 'json') throw new CliError(`--json and --format ${f} disagree`, { usage: true })
  return f as Format
}

export const isCi = (f: Format): f is CiFormat => f === 'github' || f === 'junit'

// ---------------------------------------------------------------------------------------------------------
// One case per request or finding, whatever the command

type Level = 'error' | 'warning' | 'notice'

interface Case {
  readonly classname: string
  readonly name: string
  /** failure: blocked / an error finding; error: the browser itself fails the request (exit 2). */
  readonly outcome: 'pass' | 'failure' | 'error'
  /** The annotation's level; null: no annotation (a passing request nobody asked to list). */
  readonly level: Level | null
  readonly title: string
  readonly type: string
  readonly message: string
  readonly lines: readonly string[]
  readonly file?: string
  readonly line?: number
  /** The job summary's row. */
  readonly cells: readonly string[]
}

interface Report {
  readonly suite: string
  readonly cases: readonly Case[]
  readonly columns: readonly string[]
  readonly headline: string
  /** The one passing case when there is nothing else (a report with no test reads as "no tests"). */
  readonly empty: string
}

const REQUEST_COLUMNS = ['Verdict', 'Request', 'CorsError', 'Why']

function entryLevel(e: JsonEntry, listAll: boolean): Level | null {
  if (e.verdict === 'blocked') return 'error'
  if (e.verdict === 'at-risk' || e.verdict === 'unknown') return 'warning'
  return listAll ? 'notice' : null
}

/** A passing case with nothing to say: what a HAR's many allowed requests become (kept small). */
function passCase(classname: string, name: string): Case {
  const quiet = { title: '', type: '', message: '', lines: [], cells: [] }
  return { classname, name, outcome: 'pass', level: null, ...quiet }
}

/** `lines`: the report's text (entryLines), passed in so a repeated report can share one copy. */
function entryCase(
  e: JsonEntry,
  classname: string,
  o: { listAll: boolean; netError: boolean },
  lines: readonly string[],
): Case {
  const request = `${e.method} ${e.url}`
  const level = o.netError ? 'error' : entryLevel(e, o.listAll)
  if (level === null && !e.blocked) return passCase(classname, request)
  const why = e.corsError ?? e.error ?? VERDICT_LABEL[e.verdict]
  return {
    classname,
    name: request,
    outcome: o.netError ? 'error' : e.blocked ? 'failure' : 'pass',
    level,
    title: `${VERDICT_LABEL[e.verdict]}${e.corsError ? ` ${e.corsError}` : ''}: ${request}`,
    type: why,
    message: e.summary || why,
    lines,
    cells: [VERDICT_LABEL[e.verdict], request, e.corsError ?? '', e.summary],
  }
}

/** A path as GitHub matches annotations: relative to the workspace (the step's directory) when inside it. */
function repoPath(file: string): string {
  if (!isAbsolute(file)) return file
  const r = relative(process.cwd(), file)
  return r && !r.startsWith('..') && !isAbsolute(r) ? r : file
}

function findingCase(f: LintFinding, lines: readonly string[]): Case {
  const file = repoPath(f.file)
  return {
    classname: file,
    name: `${file}:${f.line} ${f.code}`,
    outcome: f.severity === 'error' ? 'failure' : 'pass',
    level: f.severity === 'info' ? 'notice' : f.severity,
    title: `${f.title} [${f.code}]`,
    type: f.code,
    message: f.title,
    lines,
    ...(f.file === '-' ? {} : { file }),
    line: f.line,
    cells: [f.severity, `${file}:${f.line}`, f.code, f.corsError ?? '', f.title],
  }
}

// ---------------------------------------------------------------------------------------------------------
// The commands

export function lintCi(
  format: CiFormat,
  findings: readonly LintFinding[],
  lines: (f: LintFinding) => string[],
  out: Output,
): void {
  const errors = findings.filter((f) => f.severity === 'error').length
  emit(format, out, {
    suite: 'cors-lens lint',
    cases: findings.map((f) => findingCase(f, lines(f))),
    columns: ['Severity', 'Where', 'Finding', 'CorsError', 'Title'],
    headline: `cors-lens lint: ${findings.length} finding${findings.length === 1 ? '' : 's'} (${errors} error${errors === 1 ? '' : 's'})`,
    empty: 'no CORS mistakes found',
  })
}

export function checkCi(
  format: CiFormat,
  e: JsonEntry,
  notes: readonly string[],
  netError: boolean,
  out: Output,
): void {
  const c = entryCase(e, `check from ${e.initiator ?? 'an unknown origin'}`, { listAll: true, netError }, [
    ...entryLines(e),
    ...notes,
  ])
  emit(format, out, {
    suite: 'cors-lens check',
    cases: [c],
    columns: REQUEST_COLUMNS,
    headline: `cors-lens check: ${VERDICT_LABEL[e.verdict]}${e.corsError ? ` (${e.corsError})` : ''} ${e.method} ${e.url}`,
    empty: '',
  })
}

type Counts = Record<JsonEntry['verdict'], number>

/** Distinct reports kept in full; the rest of a huge HAR keeps its one-line summary (--json lists all). */
export const MAX_FULL_REPORTS = 1_000

/** Reads the whole HAR first: JUnit's counts come before its test cases. */
export async function explainCi(
  format: CiFormat,
  read: AsyncGenerator<JsonEntry, HarTotals>,
  o: { readonly out: Output; readonly counts: Counts; readonly file: string; readonly all: boolean },
): Promise<void> {
  const cases: Case[] = []
  const full = new Map<string, readonly string[]>()
  const classname = repoPath(o.file)
  let totals: HarTotals
  for (;;) {
    const next = await read.next()
    if (next.done) {
      totals = next.value
      break
    }
    const e = next.value
    o.counts[e.verdict]++
    cases.push(entryCase(e, classname, { listAll: o.all, netError: false }, reportLines(e, full)))
  }
  const c = o.counts
  await emitStreaming(format, o.out, {
    suite: `cors-lens explain ${classname}`,
    cases,
    columns: REQUEST_COLUMNS,
    headline: `cors-lens explain: ${cases.length} cross-origin request${cases.length === 1 ? '' : 's'} — ${c.blocked} blocked, ${c['at-risk']} at risk, ${c.unknown} unexplained, ${c.ok} ok, ${c['not-cors']} failed for other reasons; ${totals.skipped} skipped`,
    empty: 'no cross-origin request in the HAR',
  })
  for (const w of totals.warnings.slice(0, 5)) o.out.error(`warning: ${w}`)
}

function reportLines(e: JsonEntry, full: Map<string, readonly string[]>): readonly string[] {
  if (e.verdict === 'ok') return []
  const lines = entryLines(e)
  const key = lines.join('\n')
  const seen = full.get(key)
  if (seen) return seen
  if (full.size >= MAX_FULL_REPORTS) return lines.slice(0, 3)
  full.set(key, lines)
  return lines
}

const withCases = (r: Report): Report => (r.cases.length ? r : { ...r, cases: [passCase(r.suite, r.empty)] })

function emit(format: CiFormat, out: Output, r: Report): void {
  if (format === 'github') github(withCases(r), out)
  else for (const line of junit(withCases(r))) out.json(line)
}

/** explain: written as it is made, waiting while stdout is full (300,000 requests are as many test cases). */
async function emitStreaming(format: CiFormat, out: Output, r: Report): Promise<void> {
  if (format === 'github') return emit(format, out, r)
  let n = 0
  for (const line of junit(withCases(r))) {
    out.json(line)
    if (++n % 500 === 0) await out.drain()
  }
}

// ---------------------------------------------------------------------------------------------------------
// GitHub Actions workflow commands: https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-commands

/** The runner's data escaping (actions/toolkit packages/core/src/command.ts escapeData). */
export function escapeData(s: string): string {
  return s.replaceAll('%', '%25').replaceAll('\r', '%0D').replaceAll('\n', '%0A')
}

/** …and for properties, whose values end at `,` and whose list ends at `::` (escapeProperty). */
export function escapeProperty(s: string): string {
  return escapeData(s).replaceAll(':', '%3A').replaceAll(',', '%2C')
}

/** Long enough for a report with its fix; a 10 MB header value is not an annotation. */
export const MAX_MESSAGE_CHARS = 16_000
/** GitHub shows 10 annotations of a level per step; the rest are still in the log, up to this many. */
export const MAX_ANNOTATIONS = 1_000

export function workflowCommand(
  c: Pick<Case, 'level' | 'title' | 'message' | 'lines' | 'file' | 'line'>,
): string {
  const props = [
    ...(c.file ? [`file=${escapeProperty(safeLine(c.file))}`] : []),
    ...(c.line ? [`line=${c.line}`] : []),
    `title=${escapeProperty(safeLine(`cors-lens: ${c.title}`).slice(0, 500))}`,
  ]
  let message = (c.lines.length ? c.lines : [c.message]).map(safeLine).join('\n')
  if (message.length > MAX_MESSAGE_CHARS) message = `${message.slice(0, MAX_MESSAGE_CHARS)}\n…`
  return `::${c.level ?? 'notice'} ${props.join(',')}::${escapeData(message)}`
}

/**
 * Unusable input (a missing file, a refused connection: exit 2) in the format asked for: an annotation, or
 * a JUnit report with one error, so the failed step says why on the run's page. Read from argv: the
 * command's own parser may be what threw.
 */
export function ciErrorLines(argv: readonly string[], message: string): string[] {
  const at = argv.indexOf('--format')
  const format = argv.find((a) => a.startsWith('--format='))?.slice(9) ?? (at >= 0 ? argv[at + 1] : '')
  const title = 'unusable input (exit 2)'
  if (format === 'github') return [workflowCommand({ level: 'error', title, message, lines: [] })]
  if (format !== 'junit') return []
  const c = { ...passCase('cors-lens', title), outcome: 'error' as const, type: 'unusable', message }
  return [
    ...junit({
      suite: 'cors-lens',
      cases: [{ ...c, lines: [message] }],
      columns: [],
      headline: '',
      empty: '',
    }),
  ]
}

function github(r: Report, out: Output): void {
  const seen = new Set<string>()
  for (const c of r.cases) {
    if (c.level === null || seen.size >= MAX_ANNOTATIONS) continue
    const command = workflowCommand(c)
    if (seen.has(command)) continue
    seen.add(command)
    // Raw: the command is already escaped, and the runner must read it whole (a terminal line is cut).
    out.json(command)
  }
  out.line(r.headline)
  const path = process.env.GITHUB_STEP_SUMMARY
  if (path) writeSummary(path, r, out)
}

// ---------------------------------------------------------------------------------------------------------
// The job summary (GitHub-flavoured Markdown appended to $GITHUB_STEP_SUMMARY)

/** Rows in the summary table; the summary file of a step is capped at 1 MiB by GitHub. */
export const MAX_SUMMARY_ROWS = 50
const MAX_CELL_CHARS = 300

/** A table cell: one line, bounded, every Markdown and HTML character taken literally (CommonMark §2.4). */
export function markdownCell(text: string): string {
  const cut = text.length > MAX_CELL_CHARS ? `${text.slice(0, MAX_CELL_CHARS)}…` : text
  return safeLine(cut).replace(/[\\`*_[\]<>|&~]/g, (c) => `\\${c}`)
}

export function summaryMarkdown(r: Report): string {
  const rows = r.cases.filter((c) => c.level === 'error' || c.level === 'warning')
  const lines = [`### ${markdownCell(r.headline)}`, '']
  if (rows.length === 0) return [...lines, 'Nothing blocked.', ''].join('\n')
  lines.push(`| ${r.columns.join(' | ')} |`, `|${r.columns.map(() => '---|').join('')}`)
  for (const c of rows.slice(0, MAX_SUMMARY_ROWS)) lines.push(`| ${c.cells.map(markdownCell).join(' | ')} |`)
  if (rows.length > MAX_SUMMARY_ROWS)
    lines.push('', `…and ${rows.length - MAX_SUMMARY_ROWS} more in the log.`)
  return [...lines, ''].join('\n')
}

function writeSummary(path: string, r: Report, out: Output): void {
  try {
    appendFileSync(path, `${summaryMarkdown(r)}\n`, 'utf8')
  } catch (e) {
    // The annotations and the exit code already say it; a summary that cannot be written is not a failure.
    out.error(
      `warning: cannot append to GITHUB_STEP_SUMMARY (${(e as NodeJS.ErrnoException).code ?? String(e)})`,
    )
  }
}

// ---------------------------------------------------------------------------------------------------------
// JUnit XML (the testsuites/testsuite/testcase/failure shape of jenkinsci/xunit-plugin's junit-10.xsd)

/** Code units XML 1.0 forbids that escapeControls leaves: lone surrogates, U+FFFE, U+FFFF. Linear. */
const XML_ILLEGAL = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]|[\ufffe\uffff]/g
const XML_ENTITY: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
}

/** Safe text (safeLine'd: no C0 but the layout's own LF) made XML: entities, forbidden code units shown. */
function xmlChars(text: string): string {
  return text
    .replace(XML_ILLEGAL, (c) => `\\u${c.charCodeAt(0).toString(16)}`)
    .replace(/[&<>"']/g, (c) => XML_ENTITY[c] ?? c)
}

/** Element text: lines escaped as for a terminal (a CR or NUL in a header value shows as `\x0d`, `\x00`). */
export const xmlText = (lines: readonly string[]): string =>
  xmlChars(lines.map(safeLine).join('\n').slice(0, MAX_MESSAGE_CHARS))

/** An attribute value: one line, so a newline in the data shows as `\x0a` too. */
export const xmlAttr = (text: string): string => xmlChars(safeLine(text))

function testcase(c: Case): string {
  const open = `    <testcase classname="${xmlAttr(c.classname)}" name="${xmlAttr(c.name.slice(0, 500))}"`
  const body = xmlText(c.lines)
  if (c.outcome === 'pass')
    return c.lines.length ? `${open}>\n      <system-out>${body}</system-out>\n    </testcase>` : `${open}/>`
  const tag = c.outcome
  return `${open}>\n      <${tag} message="${xmlAttr(c.message)}" type="${xmlAttr(c.type)}">${body}</${tag}>\n    </testcase>`
}

export function* junit(r: Report): Generator<string> {
  const failures = r.cases.filter((c) => c.outcome === 'failure').length
  const errors = r.cases.filter((c) => c.outcome === 'error').length
  const counts = `tests="${r.cases.length}" failures="${failures}" errors="${errors}"`
  yield '<?xml version="1.0" encoding="UTF-8"?>'
  yield `<testsuites name="cors-lens" ${counts}>`
  yield `  <testsuite name="${xmlAttr(r.suite)}" ${counts} skipped="0">`
  for (const c of r.cases) yield testcase(c)
  yield '  </testsuite>'
  yield '</testsuites>'
}
