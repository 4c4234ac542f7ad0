/**
 * The panel's HAR files: export the tab's log (live and imported records) and import a HAR to be
 * explained like live traffic. Imported records are panel-local: the worker never sees them.
 */

import { diagnoseIn, exchangesToHar, harToExchanges, Session } from '../core/index.ts'
import type { ExchangeRecord } from '../protocol.ts'
import { fullDiagnosis } from './complete.ts'
import type { PanelRecord } from './model.ts'

/** The HAR text for the given records; secrets redacted unless `includeSecrets`. */
export function harText(records: readonly PanelRecord[], includeSecrets: boolean): string {
  const har = exchangesToHar(
    records.map((p) => ({
      exchange: p.record.exchange,
      diagnosis: fullDiagnosis(p.record),
      startedAt: p.record.startedAt,
    })),
    { redact: !includeSecrets },
  )
  return JSON.stringify(har, null, 2)
}

export function harFileName(now: Date): string {
  const stamp = now.toISOString().replace(/[:.]/g, '-').slice(0, 19)
  return `cors-lens-${stamp}.har`
}

/** Saves through an <a download>: works in a DevTools panel, where the downloads API is not available. */
export function downloadText(text: string, fileName: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }))
  const a = document.createElement('a')
  a.href = url
  a.download = fileName
  a.style.display = 'none'
  document.body.append(a)
  a.click()
  a.remove()
  // Revoke later: the download starts asynchronously and needs the URL until then.
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}

export interface ImportResult {
  readonly records: PanelRecord[]
  readonly warnings: readonly string[]
  readonly skipped: number
}

let importCounter = 0

/**
 * Parses and diagnoses a HAR in slices, yielding between them so a 10,000-entry file does not freeze the
 * panel. Throws with a readable message when the file is not a HAR.
 */
export async function importHar(
  text: string,
  fileName: string,
  onProgress?: (done: number, total: number) => void,
): Promise<ImportResult> {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    throw new Error(`${fileName} is not JSON, so not a HAR file.`)
  }
  const read = harToExchanges(json)
  if ('error' in read) throw new Error(`${fileName}: ${read.error}`)
  const batch = ++importCounter
  const file = { name: fileName, order: batch }
  const times = read.startedAt
  // An entry without a readable startedDateTime takes the time of the one before it (file order kept);
  // a file with no time at all falls back to now, its only honest ordering.
  let previous = times.find((t) => t !== null) ?? Date.now()
  const records: PanelRecord[] = []
  const session = new Session()
  const SLICE = 250
  for (let i = 0; i < read.exchanges.length; i += SLICE) {
    for (const [j, exchange] of read.exchanges.slice(i, i + SLICE).entries()) {
      const n = i + j
      const startedAt = times[n] ?? previous
      previous = startedAt
      const record: ExchangeRecord = {
        id: `imported-${batch}-${n}`,
        seq: n,
        tabId: -1,
        // The capture's own time (the entry's startedDateTime), never the time of the import.
        startedAt,
        exchange,
        analysis: diagnoseIn(session, String(n), exchange),
        notes: [`Imported from ${fileName}.`],
      }
      records.push({ record, source: 'imported', file })
    }
    onProgress?.(Math.min(i + SLICE, read.exchanges.length), read.exchanges.length)
    await new Promise((r) => setTimeout(r, 0))
  }
  return { records, warnings: read.warnings, skipped: read.skipped }
}
