/**
 * The request list: an ARIA grid (https://www.w3.org/WAI/ARIA/apg/patterns/grid/) whose one tab stop is the
 * grid itself; ↑/↓ (PageUp/PageDown/Home/End) move the selection, announced through aria-activedescendant
 * and aria-selected; Enter opens the detail; Shift+F10 or the context-menu key opens the row's menu.
 * Virtualized: only the rows in view (plus a margin, plus the selected one) are in the DOM, so 10,000
 * groups scroll as smoothly as 10. Columns are DevTools Network's (columns.ts): sortable by a header
 * click, resizable by dragging a header's edge, dropped by priority as the list narrows.
 * Each row carries the stable test hooks data-cors-error and data-url.
 */
// biome-ignore-all lint/a11y/useSemanticElements: a virtualized list positions each row absolutely, which table layout cannot do; the ARIA roles give it the table's semantics.
// biome-ignore-all lint/a11y/useFocusableInteractive: the grid is the one focus target and names its selected row through aria-activedescendant (the APG grid pattern), so rows and cells take no focus.
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks'
import {
  type Column,
  type ColumnId,
  nameHeadTail,
  problemWords,
  type Sort,
  statusCell,
  timeCell,
  urlParts,
  verdictMark,
  visibleColumns,
} from './columns.ts'
import { corsErrorOf, type Group } from './model.ts'

export const ROW_HEIGHT = 24
const HEAD_HEIGHT = 23
const OVERSCAN = 10
const MIN_WIDTH = 40
const MAX_WIDTH = 640

export type ColumnWidths = Partial<Record<ColumnId, number>>

interface Props {
  readonly groups: readonly Group[]
  readonly selectedKey: string | null
  readonly onSelect: (key: string) => void
  readonly onOpen: (key: string) => void
  /** A row's menu, at a point in the page. */
  readonly onMenu: (key: string, at: { readonly x: number; readonly y: number }) => void
  readonly sort: Sort | null
  readonly onSort: (column: ColumnId) => void
  readonly widths: ColumnWidths
  readonly onResize: (column: ColumnId, width: number) => void
  readonly empty: preact.ComponentChildren
}

export const rowId = (i: number): string => `cors-row-${i}`

export function List(props: Props) {
  const { groups, selectedKey, onSelect, onOpen, onMenu, sort, onSort, widths, onResize, empty } = props
  // One element scrolls and holds the focus: the grid (its header row is sticky inside it).
  const scroller = useRef<HTMLDivElement | null>(null)
  const grid = useRef<HTMLDivElement | null>(null)
  const [scrollTop, setScrollTop] = useState(0)
  const [height, setHeight] = useState(600)
  const [width, setWidth] = useState(800)

  useLayoutEffect(() => {
    const el = grid.current
    if (!el) return
    const measure = (): void => {
      setWidth(el.clientWidth)
      setHeight(el.clientHeight)
    }
    const ro = new ResizeObserver(measure)
    ro.observe(el)
    measure()
    return () => ro.disconnect()
  }, [])

  const selectedIndex = selectedKey === null ? -1 : groups.findIndex((g) => g.key === selectedKey)

  // Keep the selected row in view when the keyboard moves it.
  useEffect(() => {
    const el = scroller.current
    if (!el || selectedIndex < 0) return
    // Rows start below the sticky header, which covers the top of the view.
    const top = selectedIndex * ROW_HEIGHT
    const view = el.clientHeight - HEAD_HEIGHT
    if (top < el.scrollTop) el.scrollTop = top
    else if (top + ROW_HEIGHT > el.scrollTop + view) el.scrollTop = top + ROW_HEIGHT - view
  }, [selectedIndex])

  const menuForSelected = (): void => {
    if (selectedKey === null) return
    const row = grid.current?.querySelector<HTMLElement>(`#${rowId(selectedIndex)}`)
    const box = row?.getBoundingClientRect()
    onMenu(selectedKey, box ? { x: box.left + 24, y: box.bottom } : { x: 24, y: 48 })
  }

  const onKeyDown = (e: KeyboardEvent): void => {
    if (groups.length === 0) return
    if (e.key === 'ContextMenu' || (e.shiftKey && e.key === 'F10')) {
      e.preventDefault()
      menuForSelected()
      return
    }
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
    } else if ((e.key === 'Enter' || e.key === ' ') && selectedKey !== null) {
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
  const columns = visibleColumns(width, widths)
  const template = columns
    .map((c) =>
      c.id === 'name' ? `minmax(${widths.name ?? c.width}px, 1fr)` : `${widths[c.id] ?? c.width}px`,
    )
    .join(' ')
  const hostShown = columns.some((c) => c.id === 'host')
  const indexes: number[] = []
  for (let i = first; i < last; i++) indexes.push(i)
  // The active descendant must exist even when scrolled away, or a screen reader has nothing to read.
  if (selectedIndex >= 0 && (selectedIndex < first || selectedIndex >= last)) indexes.push(selectedIndex)
  const rows = []
  for (const i of indexes) {
    const g = groups[i]
    if (g)
      rows.push(
        <Row
          key={g.key}
          group={g}
          index={i}
          columns={columns}
          hostShown={hostShown}
          selected={i === selectedIndex}
          onOpen={onOpen}
          onMenu={(at) => {
            onSelect(g.key)
            onMenu(g.key, at)
          }}
        />,
      )
  }

  return (
    <div class="list">
      <div
        class="list-body grid"
        ref={(el) => {
          grid.current = el
          scroller.current = el
        }}
        role="grid"
        tabIndex={0}
        aria-label={`CORS requests, ${groups.length} row${groups.length === 1 ? '' : 's'}`}
        aria-rowcount={groups.length + 1}
        aria-colcount={columns.length}
        aria-activedescendant={selectedIndex >= 0 ? rowId(selectedIndex) : undefined}
        // A test hook: the list is virtualized, so the rows in the DOM are not all the rows.
        data-rows={groups.length}
        onKeyDown={onKeyDown}
        onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
        style={{ '--columns': template }}
      >
        <div class="list-head" role="rowgroup">
          <div class="head-row" role="row" aria-rowindex={1}>
            {columns.map((c) => (
              <HeaderCell
                key={c.id}
                column={c}
                sort={sort}
                onSort={onSort}
                width={widths[c.id]}
                onResize={onResize}
              />
            ))}
          </div>
        </div>
        {groups.length === 0 ? (
          <div class="empty-row" role="row" aria-rowindex={2}>
            <div class="empty" role="gridcell" aria-colspan={columns.length}>
              {empty}
            </div>
          </div>
        ) : (
          <div class="list-space" role="rowgroup" style={{ height: `${groups.length * ROW_HEIGHT}px` }}>
            {rows}
          </div>
        )}
      </div>
    </div>
  )
}

function HeaderCell({
  column,
  sort,
  onSort,
  width,
  onResize,
}: {
  readonly column: Column
  readonly sort: Sort | null
  readonly onSort: (column: ColumnId) => void
  readonly width: number | undefined
  readonly onResize: (column: ColumnId, width: number) => void
}) {
  const sorted = sort?.column === column.id ? sort.direction : undefined
  const startDrag = (e: PointerEvent): void => {
    e.preventDefault()
    e.stopPropagation()
    const startX = e.clientX
    const start = width ?? column.width
    const move = (m: PointerEvent): void =>
      onResize(column.id, Math.max(MIN_WIDTH, Math.min(MAX_WIDTH, Math.round(start + m.clientX - startX))))
    const up = (): void => {
      window.removeEventListener('pointermove', move)
      window.removeEventListener('pointerup', up)
    }
    window.addEventListener('pointermove', move)
    window.addEventListener('pointerup', up)
  }
  return (
    <div class={`h h-${column.id}`} role="columnheader" aria-sort={sorted ?? 'none'}>
      <button
        type="button"
        class="h-sort"
        // DevTools' grid headers are no tab stops either: the grid is the one stop.
        tabIndex={-1}
        title={`Sort by ${column.title.toLowerCase()}`}
        onClick={() => onSort(column.id)}
      >
        {column.id === 'verdict' ? <span class="sr-only">{column.title}</span> : column.title}
        {sorted ? (
          <span class="sort-arrow" aria-hidden="true">
            {sorted === 'ascending' ? '▲' : '▼'}
          </span>
        ) : null}
      </button>
      {column.id === 'verdict' ? null : (
        // Pointer only: the keyboard user's list already fits the panel (columns drop as it narrows).
        <span class="resize" aria-hidden="true" onPointerDown={startDrag} />
      )}
    </div>
  )
}

function Row({
  group,
  index,
  columns,
  hostShown,
  selected,
  onOpen,
  onMenu,
}: {
  readonly group: Group
  readonly index: number
  readonly columns: readonly Column[]
  readonly hostShown: boolean
  readonly selected: boolean
  readonly onOpen: (key: string) => void
  readonly onMenu: (at: { readonly x: number; readonly y: number }) => void
}) {
  const r = group.latest.record
  const url = r.exchange.request.url
  return (
    // biome-ignore lint/a11y/useKeyWithClickEvents: the grid holds the keyboard (Enter opens the selected row).
    <div
      id={rowId(index)}
      role="row"
      aria-rowindex={index + 2}
      aria-selected={selected}
      class={`row v-${r.analysis.verdict}${selected ? ' selected' : ''}`}
      style={{ transform: `translateY(${index * ROW_HEIGHT}px)` }}
      data-cors-error={corsErrorOf(r)}
      data-url={url}
      data-initial-url={r.exchange.redirects?.[0]?.fromUrl ?? url}
      data-verdict={r.analysis.verdict}
      onClick={() => onOpen(group.key)}
      onContextMenu={(e) => {
        e.preventDefault()
        onMenu({ x: e.clientX, y: e.clientY })
      }}
      title={url}
    >
      {columns.map((c) => (
        <Cell key={c.id} id={c.id} group={group} hostShown={hostShown} />
      ))}
    </div>
  )
}

function Cell({
  id,
  group,
  hostShown,
}: {
  readonly id: ColumnId
  readonly group: Group
  readonly hostShown: boolean
}) {
  const r = group.latest.record
  const ex = r.exchange
  switch (id) {
    case 'verdict': {
      const mark = verdictMark(r.analysis.verdict)
      return (
        <div role="gridcell" class="c-verdict" title={mark.label}>
          <span class="v-icon" aria-hidden="true">
            {mark.icon}
          </span>
          <span class="sr-only">{mark.label}</span>
        </div>
      )
    }
    case 'name': {
      const parts = urlParts(ex.request.url)
      const { head, tail } = nameHeadTail(parts.name)
      return (
        <div role="gridcell" class="c-name">
          {head ? <span class="n-head">{head}</span> : null}
          <span class="n-tail">{tail}</span>
          {group.count > 1 ? (
            <span class="badge badge-count n-count" title={`${group.count} requests`}>
              ×{group.count}
            </span>
          ) : null}
          {hostShown ? null : <span class="n-host">{parts.host}</span>}
        </div>
      )
    }
    case 'host':
      return (
        <div role="gridcell" class="c-host">
          {urlParts(ex.request.url).host}
        </div>
      )
    case 'method':
      return (
        <div role="gridcell" class="c-method">
          {ex.request.method}
        </div>
      )
    case 'status': {
      const s = statusCell(ex, r.analysis)
      return (
        <div role="gridcell" class="c-status" title={s.title}>
          {s.text}
        </div>
      )
    }
    case 'problem': {
      const words = problemWords(r.analysis, ex)
      return (
        <div role="gridcell" class="c-problem" title={words}>
          {words}
        </div>
      )
    }
    case 'error': {
      const corsError = corsErrorOf(r)
      const file = group.latest.file
      return (
        <div role="gridcell" class="c-error">
          {corsError ? <span class="badge badge-error">{corsError}</span> : null}
          {group.latest.source === 'imported' ? (
            <span class="badge badge-imported" title={`Imported from ${file?.name ?? 'a HAR file'}`}>
              {file?.name ?? 'imported'}
            </span>
          ) : null}
        </div>
      )
    }
    case 'time':
      return (
        <div role="gridcell" class="c-time">
          {timeCell(r.startedAt)}
        </div>
      )
  }
}
