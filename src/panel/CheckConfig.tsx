/**
 * "Check my config" (issue 18, live and static together): for a failure the proxy caused, the user pastes or
 * drops the nginx/Apache/Caddy config; it is read as text and linted here, in the panel (the engine is pure:
 * nothing is sent or run), and the finding that explains the failure seen comes first, its config line next
 * to the header line it produced. Everything from the config is rendered as text.
 */
import { useState } from 'preact/hooks'
import {
  ConfigError,
  configCheckFor,
  configLines,
  type Diagnosis,
  type Exchange,
  explainingFinding,
  type HeaderRef,
  LINT_LIMITS,
  type LintFinding,
  type LintServer,
  lint,
  type RankedFinding,
  type SourceFile,
  stackName,
  whenWords,
} from '../core/index.ts'

interface Props {
  readonly exchange: Exchange
  readonly diagnosis: Diagnosis
}

/** What was linted: the findings, or why the config could not be read. */
type Checked =
  | { readonly sources: readonly SourceFile[]; readonly findings: readonly LintFinding[] }
  | { readonly error: string }

const PLACE: Readonly<Record<string, string>> = {
  response: 'response',
  'preflight-response': 'preflight response',
  redirect: 'redirect',
}

/** Lints one config as given; a config the parser refuses is an error message, never a crash. */
function check(source: SourceFile, server: LintServer | undefined): Checked {
  if (source.text.length > LINT_LIMITS.maxBytes) return { error: tooLarge() }
  try {
    return { sources: [source], findings: lint([source], server ? { server } : {}).findings }
  } catch (e) {
    if (e instanceof ConfigError) return { error: e.message }
    if (e instanceof RangeError) return { error: 'too large or too deeply nested to read' }
    return { error: `could not read it (${e instanceof Error ? e.message : String(e)})` }
  }
}

const tooLarge = (): string => `more than CORS Lens reads (${LINT_LIMITS.maxBytes / 1024 / 1024} MB)`

export function CheckConfig({ exchange, diagnosis }: Props) {
  const offer = configCheckFor(diagnosis)
  const [text, setText] = useState('')
  const [name, setName] = useState('')
  const [server, setServer] = useState<LintServer | ''>('')
  const [checked, setChecked] = useState<Checked | null>(null)
  if (!offer) return null
  const run = (t: string, file: string): void =>
    setChecked(check({ file: file || 'pasted config', text: t }, server || undefined))
  const onDrop = (e: DragEvent): void => {
    // Taken here: the panel's own drop handler (a HAR import) leaves a prevented drop alone.
    e.preventDefault()
    const file = e.dataTransfer?.files[0]
    if (!file) return
    // Bounded before reading: File.text() would hold all of it in memory.
    if (file.size > LINT_LIMITS.maxBytes) {
      setChecked({ error: `${file.name}: ${tooLarge()}` })
      return
    }
    file.text().then(
      (t) => {
        setText(t)
        setName(file.name)
        run(t, file.name)
      },
      () => setChecked({ error: `${file.name}: the browser could not read the file` }),
    )
  }
  const who = offer.server ? stackName(offer.server) : 'the proxy'
  return (
    <section class="block check-config" aria-label="Check my config">
      <h2>Check my config</h2>
      <p class="muted">
        {who} caused this failure. Paste or drop its config: it is read here, as text, and never sent or run.
      </p>
      <textarea
        class="check-config-input"
        aria-label="The config: paste it, or drop the file"
        spellcheck={false}
        placeholder={`Paste the ${offer.server ? stackName(offer.server) : 'nginx, Apache or Caddy'} config, or drop the file here`}
        value={text}
        onInput={(e) => {
          setText(e.currentTarget.value)
          setName('')
        }}
        onDragOver={(e) => e.preventDefault()}
        onDrop={onDrop}
      />
      <div class="check-config-bar">
        <select
          aria-label="Server"
          value={server}
          onChange={(e) => setServer(e.currentTarget.value as LintServer | '')}
        >
          <option value="">Detect the server</option>
          <option value="nginx">nginx</option>
          <option value="apache">Apache httpd</option>
          <option value="caddy">Caddy</option>
        </select>
        <button type="button" class="check-config-run" disabled={text === ''} onClick={() => run(text, name)}>
          Check
        </button>
        {name ? <span class="muted">{name}</span> : null}
      </div>
      {checked ? <Result checked={checked} exchange={exchange} diagnosis={diagnosis} /> : null}
    </section>
  )
}

function Result({ checked, exchange, diagnosis }: { readonly checked: Checked } & Props) {
  if ('error' in checked)
    return <p class="check-config-error">The config could not be read: {checked.error}</p>
  if (checked.findings.length === 0)
    return <p class="check-config-none">No CORS mistake found in this config.</p>
  // Ranked against the request shown now: the config stays while the user moves between rows.
  const ranked = explainingFinding(diagnosis, checked.findings, exchange, checked.sources)
  const lineOf = configLines(checked.sources)
  const [first, ...rest] = ranked
  const explained = first?.explains ? first : null
  return (
    <div class="check-config-result">
      {explained ? (
        <Explaining ranked={explained} lineText={lineOf(explained.finding)} />
      ) : (
        <p class="check-config-none">No finding in this config explains this failure.</p>
      )}
      {(explained ? rest : ranked).map((r, i) => (
        <ConfigFinding key={i} finding={r.finding} lineText={lineOf(r.finding)} />
      ))}
    </div>
  )
}

function Explaining({
  ranked,
  lineText,
}: {
  readonly ranked: RankedFinding
  readonly lineText: string | null
}) {
  const f = ranked.finding
  return (
    <div class={`config-finding explains sev-${f.severity}`} data-code={f.code} data-explains="true">
      <p class="config-explains">
        <b>This explains the failure:</b> {ranked.reason}.
      </p>
      <div class="config-pair">
        <ConfigLine finding={f} text={lineText} />
        <span class="config-arrow" aria-hidden="true">
          →
        </span>
        <Produced header={ranked.headerLine} />
      </div>
      <FindingBody finding={f} />
    </div>
  )
}

function Produced({ header }: { readonly header: HeaderRef | null }) {
  if (!header) return <div class="config-produced muted">the response had no such line</div>
  return (
    <div class="config-produced" data-header={header.name}>
      <span class="muted">{PLACE[header.place] ?? header.place}</span>{' '}
      <code>
        {header.name}: {header.value}
      </code>
    </div>
  )
}

function ConfigLine({ finding, text }: { readonly finding: LintFinding; readonly text: string | null }) {
  return (
    <div class="config-line" data-line={finding.line}>
      <span class="config-line-no">
        {finding.file}:{finding.line}
      </span>
      {text === null ? null : <code class="config-line-text">{text.trim().slice(0, 500)}</code>}
    </div>
  )
}

function ConfigFinding({
  finding,
  lineText,
}: {
  readonly finding: LintFinding
  readonly lineText: string | null
}) {
  return (
    <div class={`config-finding sev-${finding.severity}`} data-code={finding.code} data-explains="false">
      <ConfigLine finding={finding} text={lineText} />
      <FindingBody finding={finding} />
    </div>
  )
}

function FindingBody({ finding: f }: { readonly finding: LintFinding }) {
  return (
    <>
      <p>
        <span class={`badge${f.severity === 'error' ? ' badge-error' : ''}`}>{f.severity}</span>{' '}
        <b>{f.title}</b> <span class="muted">[{f.code}]</span>
      </p>
      <p>{f.explanation}</p>
      <p class="muted">
        Bites {whenWords(f.when, f.server)}
        {f.corsError ? `: the browser reports ${f.corsError}` : ' (no browser error: a security risk)'}.
      </p>
      {f.fix.snippet ? (
        <>
          <div class="change-where">Fix: {f.fix.where}</div>
          <pre class="config-fix">{f.fix.snippet}</pre>
        </>
      ) : null}
    </>
  )
}
