/**
 * The request list, virtualized: only the rows in view (plus a margin) are in the DOM, so 10,000 groups
 * scroll as smoothly as 10. Keyboard: ↑/↓ (and PageUp/PageDown/Home/End) move the selection, Enter opens
 * the detail. Each row carries the stable test hooks data-cors-error and data-url.
 */
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks'
import { corsErrorOf, type Group, statusParts, verdictWords } from './model.ts'
import { splitUrl } from './text.ts'

export const ROW_HEIGHT = 24
const OVERSCAN = 10

interface Props {
  readonly groups: readonly Group[]
  readonly selectedKey: string | null
  readonly onSelect: (key: string) => void
  readonly onOpen: (key: string) => void
  readonly empty: preact.ComponentChildren
}

export function List({ groups, selectedKey, onSelect, onOpen, empty }: Props) {
  const scroller = useRef<HTMLElement>(null)
  const [scrollTop, setScrollTop] = useState(0)
  const [height, setHeight] = useState(600)

  useLayoutEffect(() => {
    const el = scroller.current
    if (!el) return
    const ro = new ResizeObserver(() => setHeight(el.clientHeight))
    ro.observe(el)
    setHeight(el.clientHeight)
    return () => ro.disconnect()
  }, [])

  const selectedIndex = selectedKey === null ? -1 : groups.findIndex((g) => g.key === selectedKey)

  // Keep the selected row in view when the keyboard moves it.
  useEffect(() => {
    const el = scroller.current
    if (!el || selectedIndex < 0) return
    const top = selectedIndex * ROW_HEIGHT
    if (top < el.scrollTop) el.scrollTop = top
    else if (top + ROW_HEIGHT > el.scrollTop + el.clientHeight)
      el.scrollTop = top + ROW_HEIGHT - el.clientHeight
  }, [selectedIndex])

  const onKeyDown = (e: KeyboardEvent): void => {
    if (groups.length === 0) return
    const page = Math.max(1, Math.floor(height / ROW_HEIGHT) - 1)
    const moves: Record<string, number> = {
      ArrowDown: 1,
      ArrowUp: -1,
      PageDown: page,
      PageUp: -page,
      Home: -Infinity,
      End: Infinity,
    }
    const step = moves[e.key]
    if (step !== undefined) {
      e.preventDefault()
      const from = selectedIndex < 0 ? (step > 0 ? -1 : groups.length) : selectedIndex
      const to = Math.max(0, Math.min(groups.length - 1, from + step))
      const g = groups[to]
      if (g) onSelect(g.key)
    } else if (e.key === 'Enter' && selectedKey !== null) {
      e.preventDefault()
      onOpen(selectedKey)
    }
  }

  // When the list shrinks (a filter), the browser clamps the element's scrollTop without a scroll event:
  // clamp here too, and pick up the element's value, or the window would point past the end.
  useLayoutEffect(() => {
    const el = scroller.current
    if (el && el.scrollTop !== scrollTop) setScrollTop(el.scrollTop)
  }, [groups.length])
  const top = Math.min(scrollTop, Math.max(0, groups.length * ROW_HEIGHT - height))
  const first = Math.max(0, Math.floor(top / ROW_HEIGHT) - OVERSCAN)
  const last = Math.min(groups.length, Math.ceil((top + height) / ROW_HEIGHT) + OVERSCAN)
  const rows = []
  for (let i = first; i < last; i++) {
    const g = groups[i]
    if (g)
      rows.push(
        <Row key={g.key} group={g} top={i * ROW_HEIGHT} selected={i === selectedIndex} onOpen={onOpen} />,
      )
  }

  return (
    <div class="list">
      <div class="list-head" aria-hidden="true">
        <span class="c-dot" />
        <span class="c-method">Method</span>
        <span class="c-url">URL</span>
        <span class="c-status">Status</span>
        <span class="c-verdict">Verdict</span>
        <span class="c-error">CORS error</span>
      </div>
      <section
        class="list-body"
        ref={scroller}
        // biome-ignore lint/a11y/noNoninteractiveTabindex: the scrolling list is one tab stop; arrows move the selection inside it.
        tabIndex={0}
        onKeyDown={onKeyDown}
        onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
        aria-label={`CORS requests, ${groups.length} rows`}
        // A test hook: the list is virtualized, so the rows in the DOM are not all the rows.
        data-rows={groups.length}
      >
        {groups.length === 0 ? (
          <div class="empty">{empty}</div>
        ) : (
          <div class="list-space" style={{ height: `${groups.length * ROW_HEIGHT}px` }}>
            {rows}
          </div>
        )}
      </section>
    </div>
  )
}

function Row({
  group,
  top,
  selected,
  onOpen,
}: {
  readonly group: Group
  readonly top: number
  readonly selected: boolean
  readonly onOpen: (key: string) => void
}) {
  const r = group.latest.record
  const d = r.analysis
  const corsError = corsErrorOf(r)
  const { origin, rest } = splitUrl(r.exchange.request.url)
  const status = statusParts(r.exchange)
  return (
    <button
      type="button"
      // One tab stop for the whole list: rows are reached with the arrow keys.
      tabIndex={-1}
      class={`row v-${d.verdict}${selected ? ' selected' : ''}`}
      aria-pressed={selected}
      style={{ transform: `translateY(${top}px)` }}
      data-cors-error={corsError}
      data-url={r.exchange.request.url}
      data-initial-url={r.exchange.redirects?.[0]?.fromUrl ?? r.exchange.request.url}
      data-verdict={d.verdict}
      onClick={() => onOpen(group.key)}
      title={r.exchange.request.url}
    >
      <span class="c-dot" aria-hidden="true" />
      <span class="c-method">{r.exchange.request.method}</span>
      <span class="c-url">
        <span class="url-origin">{origin}</span>
        <span class="url-rest">{rest}</span>
      </span>
      <span class="c-status">
        {status.code}
        {status.note ? <span class="status-note"> ({status.note})</span> : null}
      </span>
      <span class="c-verdict">{verdictWords(d.verdict)}</span>
      <span class="c-error">
        {corsError ? <span class="badge badge-error">{corsError}</span> : null}
        {group.count > 1 ? (
          <span class="badge badge-count" title={`${group.count} requests`}>
            ×{group.count}
          </span>
        ) : null}
        {group.latest.source === 'imported' ? <span class="badge badge-imported">imported</span> : null}
      </span>
    </button>
  )
}
