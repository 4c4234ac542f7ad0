/**
 * Copy to the clipboard from inside DevTools. The async Clipboard API is blocked in DevTools panels
 * (no focus/permission there), so we use the old route: a hidden textarea and execCommand('copy'),
 * which the manifest's clipboardWrite permission allows.
 */
export function copyText(text: string): boolean {
  const area = document.createElement('textarea')
  area.value = text
  area.setAttribute('readonly', '')
  // Off-screen rather than display:none: a hidden element cannot be selected.
  area.style.position = 'fixed'
  area.style.top = '-1000px'
  area.style.opacity = '0'
  const active = document.activeElement instanceof HTMLElement ? document.activeElement : null
  document.body.append(area)
  area.select()
  let ok = false
  try {
    ok = document.execCommand('copy')
  } catch {
    ok = false
  }
  area.remove()
  active?.focus()
  return ok
}
