/**
 * The stack registry (src/core/stacks/): one module per stack, each complete. Adding a stack is one module
 * plus one registry line; these checks say what the module must hold.
 */
import { describe, expect, it } from 'vitest'
import { APP_PHASES, PROXY_PHASES } from '../../src/core/stacks/fingerprint.ts'
import { STACKS, stackName } from '../../src/core/stacks/index.ts'

const modules = Object.entries(STACKS)
const detectable = modules.filter(([, m]) => m.layer !== 'cure')

describe('the stack registry', () => {
  it('keys each module by its own id, with a name, a recipe and a comment syntax', () => {
    for (const [key, m] of modules) {
      expect(m.id).toBe(key)
      expect(m.name.trim()).not.toBe('')
      expect(typeof m.recipe).toBe('function')
      expect(['#', '//']).toContain(m.comment)
      expect(stackName(key)).toBe(m.name)
    }
    expect(new Set(modules.map(([, m]) => m.name)).size).toBe(modules.length)
  })

  it('gives every proxy, app and gateway a fingerprint', () => {
    const without = detectable.filter(([, m]) => (m.fingerprints ?? []).length === 0).map(([k]) => k)
    expect(without).toEqual([])
  })

  it('reads a proxy in proxy phases and an app or gateway in app phases', () => {
    for (const [, m] of detectable) {
      const phases: readonly string[] = m.layer === 'proxy' ? PROXY_PHASES : APP_PHASES
      for (const f of m.fingerprints ?? []) expect(phases).toContain(f.phase)
    }
  })

  it('writes default values under lower-case header names, each value owned by one stack', () => {
    const seen = new Set<string>()
    for (const [, m] of modules)
      for (const d of m.defaults ?? []) {
        expect(d.header).toBe(d.header.toLowerCase())
        const key = `${d.header}: ${d.value}`
        expect(seen.has(key)).toBe(false)
        seen.add(key)
      }
  })

  it('names every config location once (the lab finds a change’s place by its phrase)', () => {
    const phrases = modules.flatMap(([, m]) => Object.values(m.config ?? {}))
    expect(new Set(phrases).size).toBe(phrases.length)
  })

  it('gives every proxy and framework the places its config has, and a proxy its plain-proxy change', () => {
    for (const [id, m] of detectable) {
      expect(Object.keys(m.config ?? {}), id).not.toEqual([])
      if (m.layer === 'proxy') expect(m.plainProxy?.length, id).toBeGreaterThan(0)
    }
  })

  it('says an unknown stack id (an old HAR) as it is', () => {
    expect(stackName('traefik')).toBe('traefik')
    expect(stackName('__proto__')).toBe('__proto__')
  })
})
