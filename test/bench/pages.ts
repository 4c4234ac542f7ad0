/** The bench's pages, served by the lab: a fetch-saturating stress page and a realistic mixed page. */
import type { Lab } from '../lab/server.ts'

/** 2,000 cross-origin fetches, 6 at a time (Chromium's per-host connection limit); the page times itself. */
export function stressPage(lab: Lab, apiBase: string): string {
  return lab.page(
    '/bench/stress',
    `<!doctype html><title>stress</title><script>
window.runStress = async (total = 2000, concurrency = 6) => {
  let next = 0
  const worker = async () => {
    while (next < total) {
      const i = next++
      try { await (await fetch('${apiBase}?i=' + i)).text() } catch {}
    }
  }
  const t0 = performance.now()
  await Promise.all(Array.from({ length: concurrency }, worker))
  return performance.now() - t0
}
</script>`,
  )
}

/**
 * About 200 resources: same-origin images, scripts and styles, cross-origin images (no-cors), and 50
 * cross-origin fetches (40 simple, 5 preflighted, 5 failing). The page reports when everything settled.
 */
export function realisticPage(lab: Lab, okUrl: string, preflightUrl: string, failUrl: string): string {
  const svg =
    '<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><rect width="8" height="8" fill="#4a90d9"/></svg>'
  for (let i = 0; i < 90; i++) lab.asset(`/bench/img/${i}.svg`, 'image/svg+xml', svg)
  for (let i = 0; i < 20; i++) lab.asset(`/bench/js/${i}.js`, 'text/javascript', `window.__s${i} = ${i}`)
  for (let i = 0; i < 10; i++) lab.asset(`/bench/css/${i}.css`, 'text/css', `.c${i} { color: #333 }`)
  const imgs = Array.from(
    { length: 90 },
    (_, i) => `<img src="/bench/img/${i}.svg" width="8" height="8">`,
  ).join('')
  const crossImgs = Array.from(
    { length: 30 },
    (_, i) => `<img src="${okUrl}?img=${i}" width="1" height="1">`,
  ).join('')
  const scripts = Array.from({ length: 20 }, (_, i) => `<script src="/bench/js/${i}.js"></script>`).join('')
  const styles = Array.from(
    { length: 10 },
    (_, i) => `<link rel="stylesheet" href="/bench/css/${i}.css">`,
  ).join('')
  return lab.page(
    '/bench/realistic',
    `<!doctype html><title>realistic</title>${styles}<body>${imgs}${crossImgs}${scripts}<script>
window.runRealistic = async () => {
  const t0 = performance.timeOrigin
  await new Promise((r) => (document.readyState === 'complete' ? r() : addEventListener('load', r)))
  const jobs = []
  for (let i = 0; i < 40; i++) jobs.push(fetch('${okUrl}?f=' + i).then((r) => r.text()).catch(() => {}))
  for (let i = 0; i < 5; i++) jobs.push(fetch('${preflightUrl}?p=' + i, { method: 'PUT', headers: { 'X-Bench': '1' } }).catch(() => {}))
  for (let i = 0; i < 5; i++) jobs.push(fetch('${failUrl}?x=' + i).catch(() => {}))
  await Promise.all(jobs)
  return performance.now() + (performance.timeOrigin - t0)
}
</script>`,
  )
}
