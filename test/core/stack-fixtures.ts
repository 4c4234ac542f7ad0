/** Loads the recordings of the lab's real stacks (test/lab/stacks/record.ts) as failed exchanges. */
import { readdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { Exchange } from '../../src/core/exchange.ts'

const DIR = resolve(import.meta.dirname, 'fixtures/stacks')

export interface StackRecording {
  readonly scenario: string
  readonly proxy: string | null
  readonly app: string
  readonly expectCorsError: string
  readonly exchange: Exchange
}

/** As the browser ended it: refused (curl cannot say, but every recorded scenario is one Chromium blocks). */
export function recording(id: string): StackRecording {
  const raw = JSON.parse(readFileSync(join(DIR, `${id}.json`), 'utf8')) as StackRecording
  return { ...raw, exchange: { ...raw.exchange, outcome: { kind: 'error', error: 'net::ERR_FAILED' } } }
}

export const RECORDED_IDS: readonly string[] = readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .map((f) => f.slice(0, -5))
