/**
 * The fix advice: one tab per cure, the engine's one recommendation first and marked "Recommended" (with
 * its reason), "detected" on the stacks the headers name; each snippet with its own Copy button, and a
 * "remove this line" cure shown as a diff.
 */
import { useState } from 'preact/hooks'
import type { Fix } from '../core/index.ts'
import { stackName } from '../core/index.ts'
import { fixLabel, orderFixes } from './fix-order.ts'
import { richParts } from './text.ts'

interface Props {
  readonly fixes: readonly Fix[]
  readonly onCopy: (label: string, text: string) => void
}

export function Fixes({ fixes, onCopy }: Props) {
  const ordered = orderFixes(fixes)
  // "detected" tells cures apart only when some are for a stack the headers do not name.
  const marked = ordered.some((f) => !f.detected)
  const [index, setIndex] = useState(0)
  const fix = ordered[Math.min(index, ordered.length - 1)]
  if (!fix) return null
  const onKeyDown = (e: KeyboardEvent): void => {
    // Arrow keys move between tabs, as in DevTools' own tab strips.
    if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft') return
    e.preventDefault()
    setIndex((i) => (i + (e.key === 'ArrowRight' ? 1 : ordered.length - 1)) % ordered.length)
  }
  return (
    <div class="fixes">
      {ordered.length > 1 ? (
        <div class="tabs" role="tablist" aria-label="Cures" onKeyDown={onKeyDown}>
          {ordered.map((f, i) => (
            <button
              key={i}
              type="button"
              role="tab"
              aria-selected={f === fix}
              tabIndex={f === fix ? 0 : -1}
              class={`tab${f === fix ? ' active' : ''}`}
              onClick={() => setIndex(i)}
              title={`${stackName(f.stack)}: ${f.title.replaceAll('`', '')}`}
            >
              <span class="tab-label">{fixLabel(f)}</span>
              <Marks fix={f} detected={marked} />
            </button>
          ))}
        </div>
      ) : null}
      <div class="fix" role={ordered.length > 1 ? 'tabpanel' : undefined}>
        {/* The recommended cure's title is the headline's second half: said once. */}
        {!fix.recommended || ordered.length === 1 ? (
          <p class="fix-title">
            {fix.recommended ? null : <Rich text={fix.title} />}
            {ordered.length === 1 ? <Marks fix={fix} detected={marked} /> : null}
          </p>
        ) : null}
        {fix.reason ? (
          <p class="fix-reason">
            {fix.reason.charAt(0).toUpperCase()}
            {fix.reason.slice(1)}.
          </p>
        ) : null}
        {fix.changes.length > 1 ? (
          fix.changes.map((c, i) => (
            <div class="change" key={i}>
              <div class="change-where">
                <span class="badge">{c.layer}</span> <Rich text={c.where} />
              </div>
              <Snippet
                text={c.snippet}
                diff={c.diff === true}
                label={`${stackName(fix.stack)} ${c.layer} snippet`}
                onCopy={onCopy}
              />
            </div>
          ))
        ) : (
          <>
            {fix.changes[0] ? (
              <div class="change-where">
                <Rich text={fix.changes[0].where} />
              </div>
            ) : null}
            <Snippet
              text={fix.snippet}
              diff={fix.changes[0]?.diff === true}
              label={`${stackName(fix.stack)} snippet`}
              onCopy={onCopy}
            />
          </>
        )}
        {fix.changes.length > 1 ? (
          <button type="button" onClick={() => onCopy(`${stackName(fix.stack)} fix`, fix.snippet)}>
            Copy the whole fix
          </button>
        ) : null}
        <p class="fix-why">
          <Rich text={fix.why} />
        </p>
        {fix.requires ? <p class="muted">Requires: {fix.requires}</p> : null}
      </div>
    </div>
  )
}

/** "Recommended" on the engine's one pick; "detected" where the headers name the stack: two marks. */
function Marks({ fix, detected }: { readonly fix: Fix; readonly detected: boolean }) {
  return (
    <>
      {fix.recommended ? (
        <span class="rec-mark" title={fix.reason ? `Recommended: ${fix.reason}` : 'Recommended'}>
          Recommended
        </span>
      ) : null}
      {detected && fix.detected ? (
        <span class="detected-mark" title={`${stackName(fix.stack)} was detected in the headers`}>
          detected
        </span>
      ) : null}
    </>
  )
}

/** The engine's rich text: `code` as <code>, everything as text nodes. */
export function Rich({ text }: { readonly text: string }) {
  return <>{richParts(text).map((p, i) => (p.code ? <code key={i}>{p.text}</code> : p.text))}</>
}

function Snippet({
  text,
  diff,
  label,
  onCopy,
}: {
  text: string
  diff: boolean
  label: string
  onCopy: Props['onCopy']
}) {
  return (
    <div class={`snippet${diff ? ' diff' : ''}`}>
      {/* A tab stop: a long line scrolls sideways, and a keyboard user must be able to scroll it. */}
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must take focus (WCAG 2.1.1). */}
      <pre tabIndex={0}>
        {diff
          ? text.split('\n').map((line, i) => (
              <span key={i} class={line.startsWith('- ') ? 'del' : line.startsWith('+ ') ? 'add' : undefined}>
                {line}
                {'\n'}
              </span>
            ))
          : text}
      </pre>
      <button type="button" class="snippet-copy" onClick={() => onCopy(label, text)}>
        Copy
      </button>
    </div>
  )
}
