/**
 * One request explained, the answer first: one headline (what happened → what to do), the recommended fix
 * with its Copy button, then why (findings and layer evidence). The console sentence, the timeline, the
 * request's facts and the raw header lines (the offending ones marked by severity) fold as Network's
 * sections do; the copy-as actions sit in a menu in the header row. Every header value is rendered as
 * text (never HTML) and cut for display when long.
 */
import { useState } from 'preact/hooks'
import {
  type Attribution,
  type Diagnosis,
  type Exchange,
  type Finding,
  type HeaderList,
  type HeaderPlace,
  stackName,
  taintCause,
} from '../core/index.ts'
import type { BrowserName, ExchangeRecord } from '../protocol.ts'
import { CheckConfig } from './CheckConfig.tsx'
import { copyText } from './clipboard.ts'
import { fullDiagnosis } from './complete.ts'
import {
  actualRequest,
  checkCommand,
  consoleSentence,
  curlFor,
  markdownReport,
  preflightRequest,
} from './copy.ts'
import { openResource } from './env.ts'
import { Fixes, Rich } from './Fixes.tsx'
import { headline } from './fix-order.ts'
import { duplicateLines, lineSeverities } from './header-lines.ts'
import type { InitiatorScript } from './initiator.ts'
import { corsErrorOf, type RecordSource, statusText, verdictWords } from './model.ts'
import { formatSize, shown, timeOfDay } from './text.ts'

/** The browser the panel runs in: its console's words lead the verdict. */
interface Props {
  readonly record: ExchangeRecord
  readonly source: RecordSource
  /** Start times of every request in the group, newest first. */
  readonly seenAt: readonly number[]
  readonly initiator: InitiatorScript | null
  readonly onClose: () => void
  readonly onToast: (text: string) => void
  /** The browser the worker runs in (its snapshot says): whose console words lead. */
  readonly browser: BrowserName
}

export function Detail({ record, source, seenAt, initiator, onClose, onToast, browser }: Props) {
  const { exchange } = record
  const diagnosis = fullDiagnosis(record)
  const copy = (label: string, text: string): void => {
    onToast(copyText(text) ? `Copied ${label}` : `Could not copy ${label}`)
  }
  const corsError = corsErrorOf(record)
  return (
    <section class="detail" aria-label="Request detail">
      <header class="detail-head">
        <button
          type="button"
          class="icon-button"
          onClick={onClose}
          title="Close (Esc)"
          aria-label="Close detail"
        >
          ✕
        </button>
        <span class={`pill v-${diagnosis.verdict}`}>{verdictWords(diagnosis.verdict)}</span>
        {corsError ? <span class="badge badge-error">{corsError}</span> : null}
        {source === 'imported' ? <span class="badge badge-imported">imported</span> : null}
        <span class="detail-url" title={exchange.request.url}>
          <b>{exchange.request.method}</b> {exchange.request.url}
        </span>
        <CopyMenu record={record} diagnosis={diagnosis} seen={seenAt.length} browser={browser} copy={copy} />
      </header>
      <div class="detail-body">
        {/* The answer first: what happened and what to do, then the cure, then why. */}
        <h2 class="headline" data-verdict={diagnosis.verdict}>
          <Rich text={headline(diagnosis)} />
        </h2>
        {diagnosis.fixes.length ? (
          <section class="block fix-block" aria-label="Fix">
            <Fixes fixes={diagnosis.fixes} onCopy={copy} />
          </section>
        ) : null}
        <Why diagnosis={diagnosis} corsError={corsError} />
        {/* After why: the config check proves the cause, it is not the answer. */}
        <CheckConfig exchange={exchange} diagnosis={diagnosis} />
        <ConsoleSection record={record} browser={browser} />
        <Section name="timeline" title="Timeline" open>
          <Timeline exchange={exchange} diagnosis={diagnosis} />
        </Section>
        <Section name="request" title="Request" open>
          <Facts record={record} seenAt={seenAt} initiator={initiator} />
        </Section>
        <Section name="headers" title="Headers" open>
          <Headers exchange={exchange} findings={diagnosis.findings} attribution={diagnosis.attribution} />
        </Section>
      </div>
    </section>
  )
}

/** A collapsible section, as Network's General / Response Headers. */
function Section({
  name,
  title,
  open = false,
  children,
}: {
  readonly name: string
  readonly title: string
  readonly open?: boolean
  readonly children: preact.ComponentChildren
}) {
  return (
    <details class="section" data-section={name} open={open}>
      <summary>{title}</summary>
      <div class="section-body">{children}</div>
    </details>
  )
}

/** The copy-as actions, folded into one menu in the header row. */
function CopyMenu({
  record,
  diagnosis,
  seen,
  browser,
  copy,
}: {
  readonly record: ExchangeRecord
  readonly diagnosis: Diagnosis
  readonly seen: number
  readonly browser: BrowserName
  readonly copy: (label: string, text: string) => void
}) {
  const [includeSecrets, setIncludeSecrets] = useState(false)
  const { exchange } = record
  const preflight = preflightRequest(exchange, diagnosis)
  const opts = { includeSecrets }
  // A menu closes once it has done its job.
  const done = (e: Event, label: string, text: string): void => {
    copy(label, text)
    ;(e.currentTarget as HTMLElement).closest('details')?.removeAttribute('open')
  }
  return (
    <details class="copy-menu">
      <summary title="Copy this request as Markdown, curl or a cors-lens check">Copy as…</summary>
      <div class="menu">
        <button
          type="button"
          onClick={(e) =>
            done(e, 'Markdown', markdownReport(exchange, diagnosis, { ...opts, seen, browser }))
          }
        >
          Copy as Markdown
        </button>
        {preflight ? (
          <button type="button" onClick={(e) => done(e, 'preflight curl', curlFor(preflight, opts))}>
            Copy preflight as curl
          </button>
        ) : null}
        <button
          type="button"
          onClick={(e) => done(e, 'request curl', curlFor(actualRequest(exchange, diagnosis), opts))}
        >
          Copy request as curl
        </button>
        <button
          type="button"
          title="Re-test this endpoint from a terminal"
          onClick={(e) => done(e, 'cors-lens check command', checkCommand(exchange, diagnosis, opts))}
        >
          Copy as <code>cors-lens check</code>
        </button>
        <label class="check" title="Cookie, Authorization and Proxy-Authorization values">
          <input
            type="checkbox"
            checked={includeSecrets}
            onChange={(e) => setIncludeSecrets(e.currentTarget.checked)}
          />
          Include secrets
        </label>
      </div>
    </details>
  )
}

/** What the browser's console printed (the user arrived with it), and Firefox's words for the same block. */
function ConsoleSection({
  record,
  browser,
}: {
  readonly record: ExchangeRecord
  readonly browser: BrowserName
}) {
  const { exchange, analysis } = record
  // The words of the console the user is looking at: Firefox's reason in Firefox, Chromium's else.
  const sentence = consoleSentence(exchange, analysis, browser)
  const firefox = analysis.findings.find((f) => f.firefox)?.firefox
  if (!sentence && !firefox) return null
  const name = browser === 'firefox' ? 'Firefox' : 'Chrome'
  return (
    <Section name="console" title={`${name}'s console`}>
      {sentence ? (
        <div class="console" title={`What ${name}'s console printed`} data-browser={browser}>
          <span class="console-icon" aria-hidden="true">
            ✖
          </span>
          <span>{sentence}</span>
          {browser === 'firefox' && firefox?.mdn ? (
            <>
              {' '}
              <a href={safeHref(firefox.mdn)} target="_blank" rel="noreferrer noopener">
                MDN: this reason explained
              </a>
            </>
          ) : null}
        </div>
      ) : null}
      {firefox && browser !== 'firefox' ? <p class="muted">Firefox says: “{firefox.text}”.</p> : null}
    </Section>
  )
}

function Facts({
  record,
  seenAt,
  initiator,
}: {
  readonly record: ExchangeRecord
  readonly seenAt: readonly number[]
  readonly initiator: InitiatorScript | null
}) {
  const { exchange, analysis } = record
  return (
    <>
      <dl class="facts">
        {analysis.origin ? (
          <>
            <dt>Origin</dt>
            {taintCause(exchange, analysis) ? (
              <dd>
                null{' '}
                <span class="muted">
                  {' '}
                  — compared by the browser after the cross-origin redirect (the page is {analysis.origin})
                </span>
              </dd>
            ) : (
              <dd>{analysis.origin}</dd>
            )}
          </>
        ) : null}
        {analysis.credentials.mode !== 'unknown' || analysis.credentials.basis ? (
          <>
            <dt>Credentials</dt>
            <dd>
              {analysis.credentials.mode}
              {analysis.credentials.basis ? <span class="muted"> — {analysis.credentials.basis}</span> : null}
            </dd>
          </>
        ) : null}
        {initiator ? (
          <>
            <dt>Initiator</dt>
            <dd>
              <button
                type="button"
                class="link"
                title="Open in Sources"
                onClick={() => openResource(initiator.url, initiator.line)}
              >
                {initiator.url}:{initiator.line + 1}
              </button>
            </dd>
          </>
        ) : null}
        <dt>Seen</dt>
        <dd>
          {seenAt.length === 1 ? 'once' : `${seenAt.length} times`}, last at{' '}
          {timeOfDay(seenAt[0] ?? record.startedAt)}
        </dd>
      </dl>
      {record.notes.length ? (
        <ul class="notes">
          {record.notes.map((n) => (
            <li key={n}>{String(n)}</li>
          ))}
        </ul>
      ) : null}
    </>
  )
}

type StepState = 'ok' | 'failed' | 'skipped' | 'info'

function Step({
  state,
  label,
  children,
}: {
  state: StepState
  label: string
  children: preact.ComponentChildren
}) {
  return (
    <li class={`step step-${state}`}>
      <span class="step-label">{label}</span>
      <span class="step-text">{children}</span>
    </li>
  )
}

function Timeline({ exchange, diagnosis }: { readonly exchange: Exchange; readonly diagnosis: Diagnosis }) {
  const stage = diagnosis.blocked ? diagnosis.stage : null
  const pf = exchange.preflight
  const redirects = exchange.redirects ?? []
  const neverSent = stage === 'preflight'
  const steps: preact.JSX.Element[] = []
  if (pf) {
    steps.push(
      <Step key="pf" state={stage === 'preflight' ? 'failed' : 'ok'} label="Preflight">
        OPTIONS {pf.request.url} →{' '}
        {pf.response
          ? `${pf.response.status}${pf.response.statusText ? ` ${pf.response.statusText}` : ''}`
          : (pf.error ?? 'no response')}
      </Step>,
    )
  } else if (diagnosis.preflight.probablyCached) {
    steps.push(
      <Step key="pf" state="info" label="Preflight">
        Not seen: probably served from the browser’s preflight cache (an earlier preflight’s
        Access-Control-Max-Age).
      </Step>,
    )
  } else if (diagnosis.preflight.required) {
    steps.push(
      <Step key="pf" state="info" label="Preflight">
        Required, but not captured.
      </Step>,
    )
  } else {
    steps.push(
      <Step key="pf" state="skipped" label="Preflight">
        None needed: a simple request.
      </Step>,
    )
  }
  // Wire order: the request as asked, each redirect it got, then the hop that was followed (if any).
  const firstUrl = redirects[0]?.fromUrl ?? exchange.request.url
  steps.push(
    <Step key="rq" state={neverSent ? 'skipped' : 'ok'} label="Request">
      {exchange.request.method} {firstUrl}
      {neverSent ? <span class="muted"> — never sent: the preflight failed</span> : null}
    </Step>,
  )
  // A redirect that made the origin 'null' is the cause, although the browser followed it.
  const taint = diagnosis.blocked ? taintCause(exchange, diagnosis) : null
  redirects.forEach((r, i) => {
    const failed = stage === 'redirect' && i === redirects.length - 1
    const cause = taint?.index === i
    steps.push(
      <Step key={`r${i}`} state={failed || cause ? 'failed' : 'ok'} label="Redirect">
        {r.status} → {r.location || '(no Location)'}
        {failed ? <span class="muted"> — not followed</span> : null}
        {cause ? (
          <span class="muted"> — the cause: it crossed origins, so the browser sent Origin: null</span>
        ) : null}
      </Step>,
    )
  })
  if (redirects.length && stage !== 'redirect') {
    steps.push(
      <Step key="followed" state="ok" label="Followed">
        {exchange.request.method} {exchange.request.url}
      </Step>,
    )
  }
  if (!neverSent && stage !== 'redirect') {
    const outcome = exchange.outcome
    steps.push(
      <Step
        key="rs"
        state={stage === 'response' || outcome.kind === 'error' ? 'failed' : 'ok'}
        label="Response"
      >
        {exchange.response ? statusText(exchange) : 'none'}
        {outcome.kind === 'error' ? <span class="muted"> — {outcome.error}</span> : null}
        {diagnosis.blocked ? <span class="muted"> — the page was not allowed to read it</span> : null}
      </Step>,
    )
  }
  return <ol class="timeline">{steps}</ol>
}

const SEVERITY_ICON = { error: '✖', warning: '▲', info: 'ℹ' } as const

/**
 * Why: the findings and the layer evidence as one list, each fact once — the finding says what is wrong,
 * the evidence who sent it. Nothing when there is nothing to say (an allowed request with no note).
 */
function Why({ diagnosis, corsError }: { readonly diagnosis: Diagnosis; readonly corsError: string }) {
  const { findings, attribution } = diagnosis
  // Which layer sent what matters when there is something to fix: an allowed request needs no layer.
  const relevant = diagnosis.blocked || diagnosis.fixes.length > 0
  const known = relevant && attribution !== undefined && attribution.culprit !== 'unknown'
  const evidence = relevant ? (attribution?.evidence ?? []) : []
  if (findings.length === 0 && !known && evidence.length === 0) return null
  return (
    <section class="block why" aria-label="Why">
      <h3 class="why-title">Why</h3>
      {findings.length ? (
        <ul class="findings">
          {findings.map((f, i) => (
            <li key={`${f.code}-${i}`} class={`finding sev-${f.severity}`} data-code={f.code}>
              <div class="finding-title">
                <span class="sev-icon" aria-label={f.severity} role="img">
                  {SEVERITY_ICON[f.severity] ?? '•'}
                </span>
                <span>
                  <Rich text={f.title} />
                </span>
                {/* The header row names the request's CorsError; a finding's own shows when it differs. */}
                {f.corsError && f.corsError !== corsError ? (
                  <span class="badge badge-error">{f.corsError}</span>
                ) : null}
              </div>
              <p>
                <Rich text={f.explanation} />
              </p>
              {f.headers.length ? (
                <p class="refs">
                  {refChips(f.headers).map(([label, n]) => (
                    <code key={label} class={`ref sev-${f.severity}`}>
                      {label}
                      {n > 1 ? ` ×${n}` : ''}
                    </code>
                  ))}
                </p>
              ) : null}
              {f.links.length ? (
                <p class="links">
                  {f.links.map((l) => (
                    <a key={l.url} href={safeHref(l.url)} target="_blank" rel="noreferrer noopener">
                      {l.title}
                    </a>
                  ))}
                </p>
              ) : null}
            </li>
          ))}
        </ul>
      ) : null}
      {attribution && (known || evidence.length) ? (
        <Layer attribution={attribution} known={known} evidence={evidence} />
      ) : null}
    </section>
  )
}

/** The header lines a finding names, once per place and name, with how many lines: "response: ACAO ×2". */
function refChips(refs: readonly Finding['headers'][number][]): [string, number][] {
  const counts = new Map<string, number>()
  for (const h of refs) {
    const label = `${PLACE_LABEL[h.place]}: ${h.name}`
    counts.set(label, (counts.get(label) ?? 0) + 1)
  }
  return [...counts]
}

/** Links come from the engine, but a HAR round trip could carry anything: only http(s) may be followed. */
function safeHref(url: string): string | undefined {
  return /^https?:\/\//i.test(url) ? url : undefined
}

const PLACE_LABEL: Record<HeaderPlace, string> = {
  request: 'request',
  response: 'response',
  'preflight-request': 'preflight request',
  'preflight-response': 'preflight response',
  redirect: 'redirect',
}

const CULPRIT: Record<Attribution['culprit'], string> = {
  proxy: 'The reverse proxy',
  app: 'The application',
  both: 'Both the proxy and the application',
  unknown: 'Not clear from the headers',
}

/** Which layer sent it, and the evidence; "not clear" is never said as a block of its own. */
function Layer({
  attribution,
  known,
  evidence,
}: {
  readonly attribution: Attribution
  readonly known: boolean
  readonly evidence: readonly string[]
}) {
  const stacks = [attribution.proxy, attribution.app]
    .filter((x): x is NonNullable<typeof x> => x !== null)
    .map(stackName)
    .join(' + ')
  return (
    <div class="layer" data-culprit={attribution.culprit}>
      {known ? (
        <p>
          Sent by: <strong>{CULPRIT[attribution.culprit]}</strong>
          {stacks ? ` (${stacks})` : ''} — {attribution.confidence} confidence.
        </p>
      ) : null}
      {evidence.length ? (
        <ul class="evidence">
          {evidence.map((e, i) => (
            <li key={i}>{e}</li>
          ))}
        </ul>
      ) : null}
      {attribution.settle ? (
        <p class="settle">
          Not sure which layer; this settles it (APP_URL: the app's own address behind the proxy):{' '}
          <code>{attribution.settle}</code>
        </p>
      ) : null}
    </div>
  )
}

/** "nginx", "app (express)"… for a header line the attribution could place. */
type LineTags = ReadonlyMap<string, string>
function lineTags(attribution: Attribution | undefined): LineTags {
  const tags = new Map<string, string>()
  for (const l of attribution?.lines ?? []) {
    if (l.layer === 'unknown') continue
    tags.set(`${l.header.place}:${l.header.index}`, l.stack ? `${l.layer}: ${l.stack}` : l.layer)
  }
  return tags
}

function Headers({
  exchange,
  findings,
  attribution,
}: {
  readonly exchange: Exchange
  readonly findings: readonly Finding[]
  readonly attribution: Attribution | undefined
}) {
  const refs = findings
  const tags = lineTags(attribution)
  const pf = exchange.preflight
  return (
    <>
      {pf ? (
        <>
          <HeaderTable
            title={`Preflight request — OPTIONS ${pf.request.url}`}
            headers={pf.request.headers}
            place="preflight-request"
            refs={refs}
            tags={tags}
          />
          {pf.response ? (
            <HeaderTable
              title={`Preflight response — ${pf.response.status}`}
              headers={pf.response.headers}
              place="preflight-response"
              refs={refs}
              tags={tags}
            />
          ) : null}
        </>
      ) : null}
      {(exchange.redirects ?? []).map((r, i) => (
        <HeaderTable
          key={`redirect-${i}`}
          title={`Redirect — ${r.status} from ${r.fromUrl}`}
          headers={r.headers}
          place="redirect"
          refs={refs}
          tags={tags}
        />
      ))}
      <HeaderTable
        title={`Request — ${exchange.request.method} ${exchange.request.url}`}
        headers={exchange.request.headers}
        place="request"
        refs={refs}
        tags={tags}
        emptyText="Not captured (the request was never sent, or the capture could not see its headers)."
      />
      {exchange.response ? (
        <HeaderTable
          title={`Response — ${exchange.response.status}`}
          headers={exchange.response.headers}
          place="response"
          refs={refs}
          tags={tags}
        />
      ) : null}
    </>
  )
}

function HeaderTable({
  title,
  headers,
  place,
  refs,
  tags,
  emptyText = 'No header lines.',
}: {
  readonly title: string
  readonly headers: HeaderList
  readonly place: HeaderPlace
  readonly refs: readonly Finding[]
  readonly tags: LineTags
  readonly emptyText?: string
}) {
  const marked = lineSeverities(headers, place, refs)
  const dups = duplicateLines(headers)
  const dupNames = new Set([...dups.keys()].map((n) => n.toLowerCase()))
  return (
    <div class="headers" data-place={place}>
      <h3>{title}</h3>
      {[...dups].map(([name, values]) => (
        <div class="dups" key={name}>
          <div class="dups-title">
            {name} sent {values.length} times — the browser joins them into one value:
          </div>
          <div class="dups-row">
            {values.map((v, i) => (
              <div class="dup-value" key={i}>
                <span class="dup-n">#{i + 1}</span>
                <Value value={v} />
              </div>
            ))}
          </div>
        </div>
      ))}
      {headers.length === 0 ? (
        <p class="muted">{emptyText}</p>
      ) : (
        <div class="raw">
          {headers.map((h, i) => (
            <div
              key={i}
              class={`line${marked.has(i) ? ` offending sev-${marked.get(i)}` : ''}${dupNames.has(String(h.name).toLowerCase()) ? ' dup' : ''}`}
              data-index={i}
            >
              <span class="h-name">{String(h.name)}:</span> <Value value={String(h.value)} />
              {tags.has(`${place}:${i}`) ? <span class="layer-tag">{tags.get(`${place}:${i}`)}</span> : null}
            </div>
          ))}
        </div>
      )}
    </div>
  )
}

/** An untrusted value as text; long ones cut with a "show all" toggle. */
export function Value({ value }: { readonly value: string }) {
  const [all, setAll] = useState(false)
  const s = shown(value, all)
  return (
    <span class="h-value">
      {s.text}
      {s.truncated ? (
        <button type="button" class="link more" onClick={() => setAll(true)}>
          … show all ({formatSize(s.fullLength)})
        </button>
      ) : null}
    </span>
  )
}
