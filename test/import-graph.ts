/**
 * The import graph of src/, read with the TypeScript compiler's own pre-parser (imports, `import type`,
 * re-exports and dynamic imports alike), for the design rules (test/design.test.ts) and for measuring floors.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import ts from 'typescript'

export const ROOT = resolve(import.meta.dirname, '..')

/** One import line: `from` and a resolved repo path (`src/…`) for relative targets, else the bare specifier. */
export interface Edge {
  readonly from: string
  readonly to: string
  readonly line: number
}

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((d) => {
    const path = `${dir}/${d.name}`
    if (d.isDirectory()) return sourceFiles(path)
    return /\.tsx?$/.test(d.name) && !d.name.endsWith('.d.ts') ? [path] : []
  })
}

export function importEdges(dir = 'src'): Edge[] {
  return sourceFiles(dir).flatMap((from) => {
    const text = readFileSync(join(ROOT, from), 'utf8')
    const { importedFiles } = ts.preProcessFile(text, true, true)
    const lines = ts.createSourceFile(from, text, ts.ScriptTarget.Latest).getLineStarts()
    return importedFiles.map((ref): Edge => {
      const spec = ref.fileName
      const to = spec.startsWith('.') ? relative(ROOT, resolve(join(ROOT, dirname(from)), spec)) : spec
      const line = lines.findLastIndex((start) => start <= ref.pos) + 1
      return { from, to, line }
    })
  })
}

/** Groups of files that import each other, directly or around a loop (Tarjan's strongly connected components). */
export function cycles(edges: readonly Edge[]): string[][] {
  const next = new Map<string, string[]>()
  for (const e of edges) next.set(e.from, [...(next.get(e.from) ?? []), e.to])
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: string[] = []
  const found: string[][] = []
  const visit = (v: string): void => {
    index.set(v, index.size)
    low.set(v, index.get(v) ?? 0)
    stack.push(v)
    for (const w of next.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w)
        low.set(v, Math.min(low.get(v) ?? 0, low.get(w) ?? 0))
      } else if (stack.includes(w)) low.set(v, Math.min(low.get(v) ?? 0, index.get(w) ?? 0))
    }
    if (low.get(v) !== index.get(v)) return
    const group: string[] = []
    let w: string | undefined
    do {
      w = stack.pop()
      if (w !== undefined) group.push(w)
    } while (w !== undefined && w !== v)
    if (group.length > 1 || (next.get(v) ?? []).includes(v)) found.push(group.sort())
  }
  for (const v of next.keys()) if (!index.has(v)) visit(v)
  return found
}

/** The longest chain of imports (floors of the building): 1 for a file that imports nothing of the set. */
export function floors(edges: readonly Edge[]): number {
  const next = new Map<string, string[]>()
  for (const e of edges) next.set(e.from, [...(next.get(e.from) ?? []), e.to])
  const memo = new Map<string, number>()
  const depth = (v: string, seen: Set<string>): number => {
    const known = memo.get(v)
    if (known !== undefined) return known
    if (seen.has(v)) return 0
    seen.add(v)
    const d = 1 + Math.max(0, ...(next.get(v) ?? []).map((w) => depth(w, seen)))
    seen.delete(v)
    memo.set(v, d)
    return d
  }
  return Math.max(0, ...[...next.keys()].map((v) => depth(v, new Set())))
}
