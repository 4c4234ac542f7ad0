/**
 * The fix registry: every stack's recipe, in one place, and the one policy over them (fixesFor): a framework's
 * cure only for the framework the headers name — never a default one; the stack-neutral lines and the proxy
 * recipes when none is named; and for a server the user probably does not run, only what they can do.
 */
import type { Fix, Stack } from '../fix.ts'
import { STACKS } from '../stacks/index.ts'
import { recipe as client } from './client.ts'
import type { FixContext, Recipe } from './context.ts'
import { recipe as thirdParty } from './third-party.ts'

/** Each stack's recipe, read from its module (src/core/stacks/). */
export const RECIPES: Readonly<Record<Stack, Recipe>> = Object.fromEntries(
  Object.values(STACKS).map((m) => [m.id, m.recipe]),
) as Record<Stack, Recipe>

const PROXIES: readonly Stack[] = ['nginx', 'apache', 'caddy']
/** Stacks whose cure is their own code: offered only when the headers name them. */
const FRAMEWORKS: ReadonlySet<Stack> = new Set([
  'express',
  'fastify',
  'hono',
  'fastapi',
  'django',
  'flask',
  'spring',
  'aspnet',
  'rails',
  'laravel',
  'go',
  'apigateway',
])

const demote = (f: Fix): Fix => ({ ...f, recommended: false })

export function fixesFor(ctx: FixContext): Fix[] {
  const { app, proxy, owner } = ctx.attribution
  if (owner?.verdict === 'probably-third-party') return [...thirdParty(ctx), ...client(ctx)]
  const fixes: Fix[] = []
  for (const [stack, recipe] of Object.entries(RECIPES) as [Stack, Recipe][]) {
    if (stack === 'third-party') continue
    if (FRAMEWORKS.has(stack) && stack !== app) continue
    fixes.push(...recipe(ctx))
  }
  if (app === null && proxy === null) {
    // Nothing named the server: each proxy's recipe, as it would read with that proxy in front.
    for (const p of PROXIES)
      fixes.push(...RECIPES[p]({ ...ctx, attribution: { ...ctx.attribution, proxy: p } }).map(demote))
  }
  if (owner) fixes.push(...thirdParty(ctx))
  return fixes
}
