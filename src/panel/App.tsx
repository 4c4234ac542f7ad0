/**
 * The panel: subscribes to its tab through the protocol, keeps the records in PanelRecords (grouped), and lays out
 * the toolbar, the list, the detail and the status bar. Updates are batched (one render per ~30 ms
 * however fast records arrive) so a burst of requests never stalls DevTools.
 */
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks'
import { redactUrl } from '../core/index.ts'
import {
  type BrowserName,
  connectPanel,
  type PanelConnection,
  type Settings,
  type TabState,
  type WorkerMessage,
} from '../protocol.ts'
import { ContextMenu, type MenuItem } from './ContextMenu.tsx'
import { copyText } from './clipboard.ts'
import { type ColumnId, compareBy, nextSort, type Sort } from './columns.ts'
import { actualRequest, curlFor, fetchFor } from './copy.ts'
import { Detail } from './Detail.tsx'
import { ErrorBoundary } from './ErrorBoundary.tsx'
import { networkPanel, portTransport, watchTheme } from './env.ts'
import { downloadText, harFileName, harText, importHar } from './har-io.ts'
import { InitiatorIndex, readDevtoolsLog } from './initiator.ts'
import { type ColumnWidths, List } from './List.tsx'
import { checkWorkerMessage } from './messages.ts'
import { compareGroups, filterGroups, type Group, type PanelRecord, PanelRecords } from './model.ts'

const live = (record: PanelRecord['record']): PanelRecord => ({ record, source: 'live' })

/** What each capture scope costs (npm run bench, realistic page, this project's lab machine). */
const SCOPE_COST =
  'Which tabs the extension watches. “Tabs with DevTools open” (default): nothing is watched, and nothing ' +
  'costs, until you look: in Chrome and Edge when this panel first shows (what DevTools recorded before is ' +
  'read from its own log), in Firefox when DevTools opens. “All tabs”: failures are caught before DevTools ' +
  'is opened, but every page in every tab loads about 1.3× slower (bench: realistic page 1.27–1.33×, ' +
  'stress page 1.36–1.5×).'

type Status = 'connecting' | 'connected' | 'reconnecting' | 'no-tab'

/** The panel's own layout choices (split, column widths), kept across reloads; junk in storage is ignored. */
function recall<T>(key: string, fallback: T, valid: (v: unknown) => v is T): T {
  try {
    const v: unknown = JSON.parse(localStorage.getItem(`cors-lens.${key}`) ?? 'null')
    return valid(v) ? v : fallback
  } catch {
    return fallback
  }
}

function remember<T>(key: string, value: T): void {
  try {
    localStorage.setItem(`cors-lens.${key}`, JSON.stringify(value))
  } catch {
    // Storage may be off (a private profile): the layout just is not remembered.
  }
}

const isSplit = (v: unknown): v is number => typeof v === 'number' && v >= 0.2 && v <= 0.8
const isWidths = (v: unknown): v is ColumnWidths =>
  v !== null && typeof v === 'object' && Object.values(v).every((w) => typeof w === 'number' && w > 0)

/** The list's share of the width beside the detail, moved by dragging the split or with ←/→ on it. */
const SPLIT_STEP = 0.05

export function App({ tabId }: { readonly tabId: number | null }) {
  const store = useMemo(() => new PanelRecords(), [])
  const initiators = useMemo(() => new InitiatorIndex(), [])
  const [, setTick] = useState(0)
  const pending = useRef(false)
  /** Coalesces store changes into one render. setTimeout, not rAF: rAF stops while the panel is hidden. */
  const schedule = useCallback(() => {
    if (pending.current) return
    pending.current = true
    setTimeout(() => {
      pending.current = false
      setTick((t) => t + 1)
    }, 30)
  }, [])

  const [status, setStatus] = useState<Status>(tabId === null ? 'no-tab' : 'connecting')
  const [tab, setTab] = useState<TabState>({ preserveLog: false, evicted: 0 })
  const [settings, setSettings] = useState<Settings | null>(null)
  const [browser, setBrowser] = useState<BrowserName>('chromium')
  const [query, setQuery] = useState('')
  const [problemsOnly, setProblemsOnly] = useState(false)
  const [selectedKey, setSelectedKey] = useState<string | null>(null)
  const [detailOpen, setDetailOpen] = useState(false)
  const [notice, setNotice] = useState<string | null>(null)
  const [toast, setToast] = useState<string | null>(null)
  const [dragging, setDragging] = useState(false)
  const [sort, setSort] = useState<Sort | null>(null)
  const [widths, setWidths] = useState<ColumnWidths>(() => recall('columns', {}, isWidths))
  const [split, setSplit] = useState(() => recall('split', 0.42, isSplit))
  const [menu, setMenu] = useState<{ key: string; at: { x: number; y: number } } | null>(null)
  const [showSettings, setShowSettings] = useState(false)
  const mainRef = useRef<HTMLElement>(null)
  const conn = useRef<PanelConnection | null>(null)
  const filterRef = useRef<HTMLInputElement>(null)
  const fileRef = useRef<HTMLInputElement>(null)

  const apply = useCallback(
    (m: WorkerMessage): void => {
      switch (m.type) {
        case 'snapshot':
          store.replaceLive(m.records.map(live))
          setTab(m.tab)
          setSettings(m.settings)
          setBrowser(m.browser)
          break
        case 'records':
          store.add(m.records.map(live))
          break
        case 'cleared':
          store.clear('live')
          if (m.reason === 'navigation')
            setNotice(
              'The page navigated, so the log was cleared. Tick “Keep log” to keep requests across page loads.',
            )
          break
        case 'tab-state':
          setTab(m.tab)
          break
        case 'settings':
          setSettings(m.settings)
          break
      }
      schedule()
    },
    [store, schedule],
  )

  useEffect(() => {
    watchTheme((theme) => {
      document.documentElement.dataset.theme = theme
    })
    if (tabId === null) return
    const c = connectPanel({
      connect: portTransport,
      tabId,
      onStatus: setStatus,
      onMessage: (raw) => {
        // A bad message must never blank the panel: check it, and report instead of throwing.
        try {
          const checked = checkWorkerMessage(raw, tabId)
          if (!checked) return
          if (checked.dropped) setNotice(`Ignored ${checked.dropped} malformed record(s) from the extension.`)
          apply(checked.message)
        } catch (e) {
          setNotice(
            `Ignored a message the panel could not apply: ${e instanceof Error ? e.message : String(e)}`,
          )
        }
      },
    })
    conn.current = c
    // After subscribe (the port keeps order): the worker is listening by then, and keeps what came before.
    readDevtoolsLog(initiators, schedule, (log) => c.send({ type: 'devtools-log', tabId, log }))
    return () => c.close()
  }, [tabId, apply, initiators, schedule])

  // Toasts fade on their own.
  useEffect(() => {
    if (!toast) return
    const t = setTimeout(() => setToast(null), 1800)
    return () => clearTimeout(t)
  }, [toast])

  const all = store.list()
  const groups = useMemo(() => {
    const shown = filterGroups(problemsOnly ? all.filter((g) => g.rank < 4) : all, query)
    return sort ? [...shown].sort(compareBy(sort, compareGroups)) : shown
  }, [all, query, problemsOnly, sort])
  const selected = selectedKey === null ? undefined : all.find((g) => g.key === selectedKey)
  // Only a live record can be in DevTools' log (an imported one came from a file).
  const selectedRecord = selected?.latest.source === 'live' ? selected.latest.record : undefined
  // A detail whose initiator DevTools has not told us yet: read its log again, once per row (a polled
  // endpoint's new requests must not each cost a read of the whole log).
  const initiatorAsked = useRef(new Set<string>())
  useEffect(() => {
    if (!selectedRecord || !selectedKey || initiators.lookup(selectedRecord)) return
    if (initiatorAsked.current.has(selectedKey)) return
    initiatorAsked.current.add(selectedKey)
    readDevtoolsLog(initiators, schedule)
  }, [selectedRecord, selectedKey, initiators, schedule])
  const counts = useMemo(() => store.counts(), [all, store])

  const focusList = useCallback(() => {
    mainRef.current?.querySelector<HTMLElement>('.grid')?.focus()
  }, [])
  const closeDetail = useCallback(() => setDetailOpen(false), [])

  // Focus follows the detail as it opens and closes, so it never falls to <body>: beside the list it stays
  // where it was; where the detail takes the whole width (the list is hidden) it moves into the detail, and
  // back to the list when the detail closes.
  const wasOpen = useRef(false)
  // A layout effect: focus moves in the same task as the render, before anyone can see <body> focused.
  useLayoutEffect(() => {
    const open = detailOpen && selectedKey !== null
    if (open === wasOpen.current) return
    wasOpen.current = open
    const active = document.activeElement
    const main = mainRef.current
    if (!open) {
      if (!active || active === document.body || !main?.contains(active) || !isShown(active)) focusList()
      return
    }
    const grid = mainRef.current?.querySelector<HTMLElement>('.grid')
    if (grid && !isShown(grid) && (active === grid || active === document.body || active === null))
      main?.querySelector<HTMLElement>('.detail button, .detail [tabindex="0"]')?.focus()
  })

  useEffect(() => {
    document.title = counts.blocked ? `CORS Lens — ${counts.blocked} blocked` : 'CORS Lens'
  }, [counts.blocked])

  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'f') {
        e.preventDefault()
        filterRef.current?.focus()
        filterRef.current?.select()
      }
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [])

  /**
   * Esc closes the detail, and goes no further: DevTools' script in an extension panel forwards Esc from
   * `document` (bubbling) to DevTools, which would also toggle its Console drawer and take the focus
   * (https://github.com/ChromeDevTools/devtools-frontend/blob/main/front_end/models/extensions/ExtensionAPI.ts,
   * forwardKeyboardEvent). So it is taken on the way down (capture), unless a menu or the filter box has a
   * use for it first (they stop it themselves).
   */
  // Read through refs: one listener for the panel's life, never a moment without one after the detail opens.
  const escapeState = useRef({ detailOpen, query })
  escapeState.current = { detailOpen, query }
  useEffect(() => {
    const onEscape = (e: KeyboardEvent): void => {
      if (e.key !== 'Escape' || !escapeState.current.detailOpen) return
      const target = e.target instanceof Element ? e.target : null
      if (target?.closest('[role=menu]') || (target === filterRef.current && escapeState.current.query))
        return
      e.preventDefault()
      e.stopPropagation()
      closeDetail()
    }
    window.addEventListener('keydown', onEscape, true)
    return () => window.removeEventListener('keydown', onEscape, true)
  }, [closeDetail])

  const clear = (): void => {
    store.clear('live')
    store.clear('imported')
    setDetailOpen(false)
    setNotice(null)
    if (tabId !== null) conn.current?.send({ type: 'clear', tabId })
    schedule()
  }

  const setPreserve = (preserveLog: boolean): void => {
    setTab((t) => ({ ...t, preserveLog }))
    if (tabId !== null) conn.current?.send({ type: 'set-preserve-log', tabId, preserveLog })
  }

  /** The worker reloads the tab and keeps this log across that navigation. */
  const reload = (): void => {
    if (tabId !== null) conn.current?.send({ type: 'reload', tabId })
  }

  const setScope = (captureScope: Settings['captureScope']): void => {
    const next = { ...settings, captureScope }
    setSettings(next)
    conn.current?.send({ type: 'set-settings', settings: next })
  }

  const exportHar = (): void => {
    const records = store.all()
    downloadText(harText(records, false), harFileName(new Date()))
    setToast(`Exported ${records.length} request(s) as HAR (secrets redacted)`)
  }

  const importFile = async (file: File): Promise<void> => {
    setNotice(`Importing ${file.name}…`)
    try {
      const result = await importHar(await file.text(), file.name, (done, total) =>
        setNotice(`Importing ${file.name}… ${done}/${total}`),
      )
      store.add(result.records)
      schedule()
      const extra = [
        result.skipped
          ? `${result.skipped} entr${result.skipped === 1 ? 'y' : 'ies'} skipped (not cross-origin)`
          : '',
        ...result.warnings.slice(0, 3),
      ].filter(Boolean)
      setNotice(
        `Imported ${result.records.length} request(s) from ${file.name}, explained like live traffic.` +
          (extra.length ? ` ${extra.join('; ')}.` : ''),
      )
    } catch (e) {
      setNotice(`Could not import: ${e instanceof Error ? e.message : String(e)}`)
    }
  }

  const onDrop = (e: DragEvent): void => {
    // A drop a child took (the config box of Check my config, src/panel/CheckConfig.tsx) is no HAR.
    const taken = e.defaultPrevented
    e.preventDefault()
    setDragging(false)
    const file = e.dataTransfer?.files[0]
    if (file && !taken) void importFile(file)
  }

  const members = selected ? store.membersOf(selected.key) : []
  const showDetail = detailOpen && selected !== undefined

  const empty =
    status === 'no-tab' ? (
      <>No tab to watch. Open the CORS panel from DevTools, or load this page as panel.html?tabId=N.</>
    ) : store.size === 0 ? (
      <>
        <b>Watching this tab for cross-origin requests.</b>
        <br />
        What DevTools recorded since it opened is listed here, and new requests as they happen: reload to
        capture the page's own requests, or make a request. Blocked ones are listed first. You can also import
        a HAR file (drop it here).
        <br />
        <button type="button" class="reload" onClick={reload}>
          Reload to capture
        </button>
      </>
    ) : (
      <>No request matches the filter.</>
    )

  const reveal = networkPanel()
  const menuItems = (g: Group): MenuItem[] => {
    const { exchange, analysis } = g.latest.record
    const copy = (what: string, text: string): void =>
      setToast(copyText(text) ? `Copied ${what} (secrets redacted)` : `Could not copy ${what}`)
    const safe = { includeSecrets: false }
    const items: MenuItem[] = [
      { label: 'Copy URL', run: () => copy('URL', redactUrl(exchange.request.url)) },
      {
        label: 'Copy as cURL',
        run: () => copy('request as cURL', curlFor(actualRequest(exchange, analysis), safe)),
      },
      { label: 'Copy as fetch', run: () => copy('request as fetch', fetchFor(exchange, analysis, safe)) },
    ]
    if (reveal && g.latest.source === 'live')
      items.push({ label: 'Reveal in Network panel', run: () => reveal(exchange.request.url) })
    items.push({
      label: 'Open details',
      run: () => {
        setSelectedKey(g.key)
        setDetailOpen(true)
      },
    })
    return items
  }
  const menuGroup = menu ? all.find((g) => g.key === menu.key) : undefined
  const closeMenu = useCallback(() => {
    setMenu(null)
    focusList()
  }, [focusList])

  const onSort = (column: ColumnId): void => setSort((s) => nextSort(s, column))
  const onResize = (column: ColumnId, width: number): void =>
    setWidths((w) => {
      const next = { ...w, [column]: width }
      remember('columns', next)
      return next
    })
  const moveSplit = (to: number): void => {
    const next = Math.max(0.2, Math.min(0.8, Math.round(to * 100) / 100))
    setSplit(next)
    remember('split', next)
  }
  const dragSplit = (e: PointerEvent): void => {
    const box = mainRef.current?.getBoundingClientRect()
    if (!box) return
    e.preventDefault()
    const move = (m: PointerEvent): void => moveSplit((m.clientX - box.left) / box.width)
    const up = (): void => {
      window.removeEventListener('pointermove', move)
      window.removeEventListener('pointerup', up)
    }
    window.addEventListener('pointermove', move)
    window.addEventListener('pointerup', up)
  }

  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: the whole panel is the drop zone for a HAR file; the Import button is the accessible route.
    <div
      class="app"
      onDragOver={(e) => {
        if (e.dataTransfer?.types.includes('Files')) {
          e.preventDefault()
          setDragging(true)
        }
      }}
      onDragLeave={(e) => {
        if (e.relatedTarget === null) setDragging(false)
      }}
      onDrop={onDrop}
    >
      <header class="top">
        <h1 class="sr-only">CORS Lens</h1>
        <div class="toolbar" role="toolbar" aria-label="Requests">
          <button type="button" class="icon-button" onClick={clear} title="Clear log" aria-label="Clear">
            <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true">
              <circle cx="8" cy="8" r="6" fill="none" stroke="currentColor" stroke-width="1.6" />
              <path d="M3.8 12.2 12.2 3.8" stroke="currentColor" stroke-width="1.6" />
            </svg>
          </button>
          <span class="sep" />
          <input
            ref={filterRef}
            class="filter"
            type="search"
            placeholder="Filter"
            aria-label="Filter requests"
            title={
              'Text, /regex/, or status-code:404 method:PUT domain:*.example.com is:blocked cors-error:Preflight ' +
              'has-response-header:vary file:name.har; -term excludes; all terms must match'
            }
            value={query}
            onInput={(e) => setQuery(e.currentTarget.value)}
            onKeyDown={(e) => {
              if (e.key === 'Escape' && query) {
                e.stopPropagation()
                setQuery('')
              } else if (e.key === 'ArrowDown') {
                e.preventDefault()
                focusList()
              }
            }}
          />
          <label class="check" title="Hide requests the browser allowed with nothing to say">
            <input
              type="checkbox"
              checked={problemsOnly}
              onChange={(e) => setProblemsOnly(e.currentTarget.checked)}
            />
            Problems only
          </label>
          <label class="check" title="Don’t clear log on page reload / navigation">
            <input
              type="checkbox"
              checked={tab.preserveLog}
              disabled={tabId === null}
              onChange={(e) => setPreserve(e.currentTarget.checked)}
            />
            Keep log
          </label>
          <span class="spacer" />
          {counts.blocked ? (
            <span class="blocked-count" title={`${counts.blocked} blocked by CORS`}>
              <span aria-hidden="true">✕ </span>
              {counts.blocked} blocked
            </span>
          ) : null}
          <button
            type="button"
            class="icon-button"
            onClick={() => fileRef.current?.click()}
            title="Import HAR file… (or drop one on the panel)"
            aria-label="Import HAR file"
          >
            <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true">
              <path
                d="M8 11V2M4.5 5.5 8 2l3.5 3.5M2.5 10v3.5h11V10"
                fill="none"
                stroke="currentColor"
                stroke-width="1.5"
              />
            </svg>
          </button>
          <button
            type="button"
            class="icon-button"
            onClick={exportHar}
            disabled={store.size === 0}
            title="Export HAR (sanitized)…"
            aria-label="Export HAR (sanitized)"
          >
            <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true">
              <path
                d="M8 2v9M4.5 7.5 8 11l3.5-3.5M2.5 10v3.5h11V10"
                fill="none"
                stroke="currentColor"
                stroke-width="1.5"
              />
            </svg>
          </button>
          <button
            type="button"
            class={`icon-button${showSettings ? ' on' : ''}`}
            onClick={() => setShowSettings((v) => !v)}
            aria-pressed={showSettings}
            title="CORS Lens settings"
            aria-label="Settings"
          >
            <span aria-hidden="true">⚙</span>
          </button>
          <input
            ref={fileRef}
            type="file"
            accept=".har,application/json"
            hidden
            onChange={(e) => {
              const file = e.currentTarget.files?.[0]
              e.currentTarget.value = ''
              if (file) void importFile(file)
            }}
          />
        </div>
        {showSettings && settings ? (
          <div class="settings-bar">
            <label class="check" title={SCOPE_COST}>
              Capture
              <select
                value={settings.captureScope}
                onChange={(e) =>
                  setScope(e.currentTarget.value === 'devtools-open' ? 'devtools-open' : 'all-tabs')
                }
              >
                <option value="devtools-open">tabs with DevTools open</option>
                <option value="all-tabs">all tabs (slows every page)</option>
              </select>
            </label>
          </div>
        ) : null}
        {notice ? (
          <div class="notice" role="status">
            <span>{notice}</span>
            <button type="button" class="icon-button" onClick={() => setNotice(null)} aria-label="Dismiss">
              ✕
            </button>
          </div>
        ) : null}
      </header>
      <main
        class={`main${showDetail ? ' with-detail' : ''}`}
        ref={mainRef}
        style={{ '--split': `${split * 100}%` }}
      >
        <ErrorBoundary name="request list">
          <List
            groups={groups}
            selectedKey={selectedKey}
            onSelect={(key) => setSelectedKey(key)}
            onOpen={(key) => {
              setSelectedKey(key)
              setDetailOpen(true)
            }}
            onMenu={(key, at) => setMenu({ key, at })}
            sort={sort}
            onSort={onSort}
            widths={widths}
            onResize={onResize}
            empty={empty}
          />
        </ErrorBoundary>
        {showDetail && selected ? (
          <>
            {/* biome-ignore lint/a11y/useSemanticElements: an <hr> cannot be dragged or take arrow keys; this is the ARIA window splitter. */}
            <div
              class="split"
              role="separator"
              aria-orientation="vertical"
              aria-label="Resize the list beside the detail"
              aria-valuemin={20}
              aria-valuemax={80}
              aria-valuenow={Math.round(split * 100)}
              tabIndex={0}
              onPointerDown={dragSplit}
              onKeyDown={(e) => {
                const step = e.key === 'ArrowLeft' ? -SPLIT_STEP : e.key === 'ArrowRight' ? SPLIT_STEP : 0
                if (!step) return
                e.preventDefault()
                moveSplit(split + step)
              }}
            />
            <ErrorBoundary name="request detail" key={selected.key}>
              <Detail
                record={selected.latest.record}
                source={selected.latest.source}
                seenAt={members.map((m) => m.record.startedAt)}
                initiator={initiators.lookup(selected.latest.record)}
                onClose={closeDetail}
                onToast={setToast}
                browser={browser}
              />
            </ErrorBoundary>
          </>
        ) : null}
        {menu && menuGroup ? (
          <ContextMenu
            at={menu.at}
            items={menuItems(menuGroup)}
            label={`Request ${menuGroup.latest.record.exchange.request.url}`}
            onClose={closeMenu}
          />
        ) : null}
        {dragging ? <div class="drop">Drop a HAR file to explain it</div> : null}
        {toast ? (
          <div class="toast" role="status">
            {toast}
          </div>
        ) : null}
      </main>
      <footer class="statusbar">
        <span class={`conn conn-${status}`} title={status}>
          {status === 'reconnecting'
            ? 'Reconnecting to the extension…'
            : status === 'connecting'
              ? 'Connecting…'
              : ''}
        </span>
        <span>
          {counts.total} request{counts.total === 1 ? '' : 's'}
        </span>
        <span class="count-blocked">{counts.blocked} blocked</span>
        <span class="count-risk">{counts.atRisk} at risk</span>
        {counts.failedOther ? <span>{counts.failedOther} failed otherwise</span> : null}
        <span>{counts.ok} allowed</span>
        {counts.imported ? <span>{counts.imported} imported</span> : null}
        {groups.length !== all.length ? (
          <span>
            showing {groups.length} of {all.length} rows
          </span>
        ) : null}
        {tab.evicted ? (
          <span title="The extension keeps a bounded log per tab">{tab.evicted} oldest dropped</span>
        ) : null}
      </footer>
    </div>
  )
}

/** Whether an element takes part in layout (not inside a display:none list). */
function isShown(el: Element): boolean {
  return el instanceof HTMLElement && el.getClientRects().length > 0
}
