/**
 * The capture's in-flight maps, bounded per tab and in total: a browser that never ends a request, or a tab
 * flooding requests, must not grow the worker without end nor push another tab's requests out. Over its
 * tab's cap a new entry evicts that tab's oldest; over the total it evicts the oldest of the biggest tab.
 */
export class PerTabMap<V extends { readonly tabId: number }> {
  private readonly all = new Map<string, V>()
  /** Each tab's ids in insertion order (a Set iterates in insertion order). */
  private readonly byTab = new Map<number, Set<string>>()

  constructor(
    private readonly perTab: number,
    private readonly total: number,
  ) {}

  get size(): number {
    return this.all.size
  }

  get(id: string): V | undefined {
    return this.all.get(id)
  }

  has(id: string): boolean {
    return this.all.has(id)
  }

  /** Adds (or replaces) an entry; returns how many older entries it evicted. */
  set(id: string, value: V): number {
    this.delete(id)
    let evicted = 0
    const own = this.byTab.get(value.tabId)
    if (own && own.size >= this.perTab) evicted += this.evictOldest(own)
    if (this.all.size >= this.total) {
      const biggest = this.biggestTab()
      if (biggest) evicted += this.evictOldest(biggest)
    }
    this.all.set(id, value)
    const ids = this.byTab.get(value.tabId) ?? new Set<string>()
    ids.add(id)
    this.byTab.set(value.tabId, ids)
    return evicted
  }

  delete(id: string): boolean {
    const value = this.all.get(id)
    if (value === undefined) return false
    this.all.delete(id)
    const ids = this.byTab.get(value.tabId)
    ids?.delete(id)
    if (ids?.size === 0) this.byTab.delete(value.tabId)
    return true
  }

  clear(): void {
    this.all.clear()
    this.byTab.clear()
  }

  /** Every entry of one tab removed. */
  deleteTab(tabId: number): void {
    for (const id of this.byTab.get(tabId) ?? []) this.all.delete(id)
    this.byTab.delete(tabId)
  }

  countOf(tabId: number): number {
    return this.byTab.get(tabId)?.size ?? 0
  }

  entries(): IterableIterator<[string, V]> {
    return this.all.entries()
  }

  [Symbol.iterator](): IterableIterator<[string, V]> {
    return this.all.entries()
  }

  private evictOldest(ids: Set<string>): number {
    const oldest = ids.values().next().value
    return oldest !== undefined && this.delete(oldest) ? 1 : 0
  }

  private biggestTab(): Set<string> | undefined {
    let best: Set<string> | undefined
    for (const ids of this.byTab.values()) if (!best || ids.size > best.size) best = ids
    return best
  }
}
