import { describe, expect, it } from 'vitest'
import { PanelServer, validate } from '../../src/background/panel-server.ts'
import { RecordStore } from '../../src/background/store.ts'
import { MAX_DEVTOOLS_LOG_ENTRIES, PANEL_PORT_NAME, type WorkerMessage } from '../../src/protocol.ts'
import { FakeArea, FakePort } from './fakes.ts'

const flush = () => new Promise((r) => setTimeout(r, 0))

function setup(inspectWatches = true) {
  const store = new RecordStore({ area: new FakeArea(), setTimer: () => 0 })
  const server = new PanelServer('ext-id', () => {}, inspectWatches)
  const calls: string[] = []
  let release: () => void = () => {}
  const ready = new Promise<void>((r) => {
    release = r
  })
  server.attach({
    store,
    ready,
    clear: (tabId) => {
      calls.push(`clear ${tabId}`)
      store.clear(tabId)
      server.cleared(tabId, 'user')
    },
    setPreserveLog: (tabId, v) => {
      calls.push(`preserve ${tabId} ${v}`)
      store.setPreserveLog(tabId, v)
      server.tabState(tabId)
    },
    setSettings: (s) => {
      calls.push(`settings ${s.captureScope}`)
      store.setSettings(s)
    },
    reload: (tabId) => calls.push(`reload ${tabId}`),
    devtoolsLog: (tabId, log) => calls.push(`devtools-log ${tabId} ${log.entries.length}`),
    liveSource: () => 'devtools-finished',
    devtoolsEntries: (tabId, since, entries) => calls.push(`entries ${tabId} ${since} ${entries.length}`),
    devtoolsNavigated: (tabId) => calls.push(`navigated ${tabId}`),
  })
  return { store, server, calls, release }
}

const types = (port: FakePort) => port.sent.map((m: WorkerMessage) => m.type)

/** Two ports the server accepted, as two DevTools contexts (panels or DevTools pages) would open them. */
function twoPorts(server: PanelServer): [FakePort, FakePort] {
  const ports: [FakePort, FakePort] = [new FakePort(PANEL_PORT_NAME), new FakePort(PANEL_PORT_NAME)]
  for (const p of ports) server.accept(p)
  return ports
}

describe('PanelServer', () => {
  it('answers subscribe with a snapshot only after the store is ready, then pushes to subscribers only', async () => {
    const { server, release } = setup()
    const a = new FakePort(PANEL_PORT_NAME)
    const b = new FakePort(PANEL_PORT_NAME)
    server.accept(a)
    server.accept(b)
    a.fromPanel({ type: 'subscribe', tabId: 3 })
    b.fromPanel({ type: 'subscribe', tabId: 4 })
    await flush()
    expect(a.sent).toEqual([])
    release()
    await flush()
    expect(a.sent[0]).toMatchObject({
      type: 'snapshot',
      tabId: 3,
      records: [],
      tab: { preserveLog: false, evicted: 0 },
      settings: { captureScope: 'devtools-open' },
      browser: 'chromium',
    })
    expect(server.watchedTabs).toContain(3)
    server.records(3, [])
    server.cleared(3, 'navigation')
    expect(types(a)).toEqual(['snapshot', 'cleared'])
    expect(types(b)).toEqual(['snapshot'])
  })

  it('handles clear, set-preserve-log and set-settings; broadcasts settings to every port', async () => {
    const { server, calls, release } = setup()
    release()
    const [a, b] = twoPorts(server)
    a.fromPanel({ type: 'subscribe', tabId: 3 })
    a.fromPanel({ type: 'set-preserve-log', tabId: 3, preserveLog: true })
    a.fromPanel({ type: 'clear', tabId: 3 })
    a.fromPanel({ type: 'set-settings', settings: { captureScope: 'devtools-open' } })
    await flush()
    expect(calls).toEqual(['preserve 3 true', 'clear 3', 'settings devtools-open'])
    expect(types(a)).toEqual(['snapshot', 'tab-state', 'cleared', 'settings'])
    expect(a.sent[1]).toEqual({ type: 'tab-state', tabId: 3, tab: { preserveLog: true, evicted: 0 } })
    expect(types(b)).toEqual(['settings'])
  })

  it('ignores malformed messages and foreign ports', async () => {
    const { server, calls, release } = setup()
    release()
    const a = new FakePort(PANEL_PORT_NAME)
    server.accept(a)
    for (const m of [
      null,
      'subscribe',
      { type: 'subscribe' },
      { type: 'subscribe', tabId: -1 },
      { type: 'subscribe', tabId: 1.5 },
      { type: 'clear', tabId: '3' },
      { type: 'set-preserve-log', tabId: 3, preserveLog: 'yes' },
      { type: 'set-settings', settings: { captureScope: 'everything' } },
      { type: 'set-settings' },
      { type: 'toString' },
      { type: '__proto__' },
    ])
      a.fromPanel(m)
    await flush()
    expect(a.sent).toEqual([])
    expect(calls).toEqual([])
    const other = new FakePort('something-else')
    server.accept(other)
    other.fromPanel({ type: 'subscribe', tabId: 1 })
    const foreign = new FakePort(PANEL_PORT_NAME, 'another-extension')
    server.accept(foreign)
    foreign.fromPanel({ type: 'subscribe', tabId: 1 })
    await flush()
    expect(other.sent).toEqual([])
    expect(foreign.sent).toEqual([])
    expect(foreign.disconnected).toBe(true)
  })

  it('forgets a port on disconnect, and one that throws on postMessage', async () => {
    const { server, release } = setup()
    release()
    const a = new FakePort(PANEL_PORT_NAME)
    server.accept(a)
    a.fromPanel({ type: 'subscribe', tabId: 3 })
    await flush()
    a.close()
    expect(server.watchedTabs).not.toContain(3)
    const b = new FakePort(PANEL_PORT_NAME)
    server.accept(b)
    b.fromPanel({ type: 'subscribe', tabId: 3 })
    await flush()
    b.disconnected = true // dead without onDisconnect
    server.cleared(3, 'user')
    expect(server.watchedTabs).not.toContain(3)
  })

  it('counts a DevTools page (inspect) as watching its tab for as long as its port lives', async () => {
    const { server, calls, release } = setup()
    release()
    let changes = 0
    server.onPanelsChanged = () => changes++
    const devtools = new FakePort(PANEL_PORT_NAME)
    server.accept(devtools)
    devtools.fromPanel({ type: 'inspect', tabId: 8 })
    devtools.fromPanel({ type: 'keepalive' })
    devtools.fromPanel({ type: 'reload', tabId: 8 })
    await flush()
    expect(server.watchedTabs).toEqual([8])
    expect(server.watchedTabs).toContain(8)
    expect(changes).toBe(1)
    expect(calls).toEqual(['reload 8'])
    // An inspecting port receives no records: it marks the tab and learns where its live rows come from.
    server.records(8, [])
    server.cleared(8, 'user')
    expect(devtools.sent).toEqual([{ type: 'live-source', tabId: 8, source: 'devtools-finished' }])
    devtools.close()
    expect(server.watchedTabs).toEqual([])
    expect(changes).toBe(2)
  })

  it('forwards what a DevTools page feeds from DevTools’ log, checked and bounded', async () => {
    const { server, calls, release } = setup()
    release()
    const devtools = new FakePort(PANEL_PORT_NAME)
    server.accept(devtools)
    devtools.fromPanel({ type: 'devtools-entries', tabId: 8, since: 5, entries: [{}, {}] })
    devtools.fromPanel({ type: 'devtools-entries', tabId: 8, since: 5, entries: new Array(501).fill({}) })
    devtools.fromPanel({ type: 'devtools-entries', tabId: 8, since: 'now', entries: [] })
    devtools.fromPanel({ type: 'devtools-navigated', tabId: 8 })
    devtools.fromPanel({ type: 'devtools-navigated', tabId: -1 })
    await flush()
    expect(calls).toEqual(['entries 8 5 2', 'navigated 8'])
  })

  it('in Chromium a DevTools page alone watches nothing: the shown panel does, and sends DevTools’ log', async () => {
    const { server, calls, release } = setup(false)
    release()
    const [devtools, panel] = twoPorts(server)
    devtools.fromPanel({ type: 'inspect', tabId: 8 })
    await flush()
    expect(server.watchedTabs).toEqual([])
    panel.fromPanel({ type: 'subscribe', tabId: 8 })
    panel.fromPanel({ type: 'devtools-log', tabId: 8, log: { creator: {}, entries: [{}, {}] } })
    await flush()
    expect(server.watchedTabs).toEqual([8])
    expect(calls).toEqual(['devtools-log 8 2'])
  })

  it('takes a DevTools log only as a bounded list of entries', () => {
    const log = (entries: unknown) => ({ type: 'devtools-log', tabId: 1, log: { creator: null, entries } })
    expect(validate(log([]))).toEqual(log([]))
    expect(validate(log({ length: 1 }))).toBeNull()
    expect(validate({ type: 'devtools-log', tabId: 1, log: null })).toBeNull()
    expect(validate(log(new Array(MAX_DEVTOOLS_LOG_ENTRIES + 1).fill({})))).toBeNull()
  })

  it('validate keeps only known fields', () => {
    expect(validate({ type: 'clear', tabId: 2, extra: 'x' })).toEqual({ type: 'clear', tabId: 2 })
  })
})
