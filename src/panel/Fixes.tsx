/** The fix advice: one tab per stack (the detected one first), each snippet with its own copy button. */
import { useState } from 'preact/hooks'
import type { Fix } from '../core/index.ts'
import { stackName } from '../core/index.ts'
import { fixLabel, orderFixes } from './fix-order.ts'

interface Props {
  readonly fixes: readonly Fix[]
  readonly onCopy: (label: string, text: string) => void
}

export function Fixes({ fixes, onCopy }: Props) {
  const ordered = orderFixes(fixes)
  // A star marks the detected stack; when every fix is "recommended" it would mark nothing.
  const starred = ordered.some((f) => !f.recommended)
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
      <div class="tabs" role="tablist" onKeyDown={onKeyDown}>
        {ordered.map((f, i) => (
          <button
            key={i}
            type="button"
            role="tab"
            aria-selected={f === fix}
            tabIndex={f === fix ? 0 : -1}
            class={`tab${f === fix ? ' active' : ''}`}
            onClick={() => setIndex(i)}
            title={`${stackName(f.stack)}: ${f.title}`}
          >
            {fixLabel(f)}
            {starred && f.recommended ? (
              <span class="star" title="Detected stack">
                ★
              </span>
            ) : null}
          </button>
        ))}
      </div>
      <div class="fix" role="tabpanel">
        <p>
          <b>{fix.title}</b> <span class="muted">({fix.layer})</span>
        </p>
        <p>{fix.why}</p>
        {fix.requires ? <p class="muted">Requires: {fix.requires}</p> : null}
        {fix.changes.length > 1 ? (
          fix.changes.map((c, i) => (
            <div class="change" key={i}>
              <div class="change-where">
                <span class="badge">{c.layer}</span> {c.where}
              </div>
              <Snippet
                text={c.snippet}
                label={`${stackName(fix.stack)} ${c.layer} snippet`}
                onCopy={onCopy}
              />
            </div>
          ))
        ) : (
          <>
            {fix.changes[0] ? <div class="change-where">{fix.changes[0].where}</div> : null}
            <Snippet text={fix.snippet} label={`${stackName(fix.stack)} snippet`} onCopy={onCopy} />
          </>
        )}
        {fix.changes.length > 1 ? (
          <button type="button" onClick={() => onCopy(`${stackName(fix.stack)} fix`, fix.snippet)}>
            Copy the whole fix
          </button>
        ) : null}
      </div>
    </div>
  )
}

function Snippet({ text, label, onCopy }: { text: string; label: string; onCopy: Props['onCopy'] }) {
  return (
    <div class="snippet">
      <pre>{text}</pre>
      <button type="button" class="snippet-copy" onClick={() => onCopy(label, text)}>
        Copy
      </button>
    </div>
  )
}
