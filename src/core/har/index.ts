/**
 * HAR 1.2 in and out. Reads what Chrome DevTools, Firefox, Playwright and CORS Lens export into Exchanges
 * (preflights paired with their actual requests, redirect hops chained), and writes Exchanges back as HAR
 * with CORS Lens's verdict on each actual entry. Pure: JSON values in, JSON values out — no I/O, no DOM.
 */
export { HAR_SPAN, HarReader, harLogOf, harToExchanges } from './read.ts'
export type { HarCorsLens, HarReadResult, HarRecord } from './types.ts'
export { exchangesToHar } from './write.ts'
