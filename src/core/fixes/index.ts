/**
 * The fix registry: every stack's recipe, in one place, and the one policy over them (fixesFor): a framework's
 * cure only for the framework the headers name — never a default one; only the stack-neutral lines when none
 * is named; and for a server the user probably does not run, only what they can do.
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

/** Stacks whose cure is their own code or configuration (apps, gateways, managed services): only when named. */
const FRAMEWORKS: ReadonlySet<Stack> = new Set(
  Object.values(STACKS)
    .filter((m) => m.layer === 'app' || m.layer === 'gateway' || m.layer === 'service')
    .map((m) => m.id),
)

export function fixesFor(ctx: FixContext): Fix[] {
  const { app, owner } = ctx.attribution
  if (owner?.verdict === 'probably-third-party') return [...thirdParty(ctx), ...client(ctx)]
  const fixes: Fix[] = []
  for (const [stack, recipe] of Object.entries(RECIPES) as [Stack, Recipe][]) {
    if (stack === 'third-party') continue
    if (FRAMEWORKS.has(stack) && stack !== app) continue
    fixes.push(...recipe(ctx))
  }
  // Nothing named the server: the stack-neutral lines only, never a recipe for a proxy that may not be there
  // (41 of 45 blocked requests on stacks outside the lab were offered nginx, Apache and Caddy recipes).
  if (owner) fixes.push(...thirdParty(ctx))
  return fixes
}
