/**
 * A row's context menu, drawn by the panel (an extension page cannot add to DevTools' own menus): an ARIA
 * menu (https://www.w3.org/WAI/ARIA/apg/patterns/menu/) that takes focus when it opens, moves with ↑/↓,
 * Home/End, runs an item with Enter or a click, and closes on Esc, Tab or a click elsewhere, handing focus
 * back to whoever opened it.
 */
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks'

export interface MenuItem {
  readonly label: string
  readonly run: () => void
}

interface Props {
  readonly at: { readonly x: number; readonly y: number }
  readonly items: readonly MenuItem[]
  readonly label: string
  readonly onClose: () => void
}

export function ContextMenu({ at, items, label, onClose }: Props) {
  const menu = useRef<HTMLDivElement>(null)
  const [active, setActive] = useState(0)
  const [place, setPlace] = useState(at)

  // Keep the menu inside the panel, whatever corner it opened in.
  useLayoutEffect(() => {
    const el = menu.current
    if (!el) return
    const box = el.getBoundingClientRect()
    setPlace({
      x: Math.max(0, Math.min(at.x, window.innerWidth - box.width - 4)),
      y: Math.max(0, Math.min(at.y, window.innerHeight - box.height - 4)),
    })
  }, [at])

  // In the render's own task (a layout effect): the next key must find the focus already moved.
  useLayoutEffect(() => {
    menu.current?.querySelectorAll<HTMLElement>('[role=menuitem]')[active]?.focus()
  }, [active])

  useEffect(() => {
    const away = (e: PointerEvent): void => {
      if (!menu.current?.contains(e.target as Node)) onClose()
    }
    window.addEventListener('pointerdown', away, true)
    window.addEventListener('blur', onClose)
    return () => {
      window.removeEventListener('pointerdown', away, true)
      window.removeEventListener('blur', onClose)
    }
  }, [onClose])

  const onKeyDown = (e: KeyboardEvent): void => {
    const n = items.length
    const moves: Record<string, (i: number) => number> = {
      ArrowDown: (i) => (i + 1) % n,
      ArrowUp: (i) => (i - 1 + n) % n,
      Home: () => 0,
      End: () => n - 1,
    }
    const move = moves[e.key]
    if (move) {
      e.preventDefault()
      setActive(move)
    } else if (e.key === 'Escape' || e.key === 'Tab') {
      e.preventDefault()
      e.stopPropagation()
      onClose()
    }
  }

  return (
    <div
      class="menu"
      role="menu"
      aria-label={label}
      ref={menu}
      style={{ left: `${place.x}px`, top: `${place.y}px` }}
      onKeyDown={onKeyDown}
    >
      {items.map((item, i) => (
        <button
          key={item.label}
          type="button"
          role="menuitem"
          tabIndex={i === active ? 0 : -1}
          onClick={() => {
            onClose()
            item.run()
          }}
          // Move, not enter: a menu opened under a resting pointer keeps the keyboard's item.
          onPointerMove={() => setActive(i)}
        >
          {item.label}
        </button>
      ))}
    </div>
  )
}
