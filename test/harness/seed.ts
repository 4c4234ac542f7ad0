/**
 * The seed case, the story CORS Lens was made for: nginx `add_header Access-Control-Allow-Origin *` in front
 * of Express whose cors() allows the page — the browser sees two lines and refuses (the stacks lab's
 * nginx-express-dup-star, with Express naming the origin as most apps do). One definition for `npm start`
 * and the panel's detail e2e.
 */
import type { Page } from 'puppeteer-core'
import { API_HOST, type Lab } from '../lab/server.ts'
import { type RunningStack, startStack } from '../lab/stacks/stack.ts'

export interface Seed {
  readonly stack: RunningStack
  /** The URL the page fetches: http://api.test:PORT/api/items. */
  readonly url: string
}

export async function startSeed(lab: Lab): Promise<Seed> {
  const stack = await startStack({
    proxy: 'nginx',
    app: 'express',
    proxySlots: { location: 'add_header Access-Control-Allow-Origin *;' },
    appSlots: { app_cors: `app.use(cors({ origin: '${lab.pageOrigin}' }))` },
  })
  return { stack, url: `http://${API_HOST}:${stack.port}/api/items` }
}

/** Fetches the seed URL from a script of the lab page, so the initiator reads as the page's code. */
export async function fetchSeed(page: Page, lab: Lab, seed: Seed): Promise<void> {
  const script = lab.asset(
    '/seed.js',
    'text/javascript',
    `fetch(${JSON.stringify(seed.url)}).catch(() => {})\n`,
  )
  await page.addScriptTag({ url: script })
}
