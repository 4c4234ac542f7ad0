/**
 * The fix registry: every stack's recipe, in one place, and the one policy over them (fixesFor): a framework's
 * cure only for the framework the headers name — never a default one; the stack-neutral lines and the proxy
 * recipes when none is named; and for a server the user probably does not run, only what they can do.
 */
import type { Fix, Stack } from '../fix.ts'
import { recipe as apache } from './apache.ts'
import { recipe as apigateway } from './apigateway.ts'
import { recipe as aspnet } from './aspnet.ts'
import { recipe as caddy } from './caddy.ts'
import { recipe as client } from './client.ts'
import type { FixContext, Recipe } from './context.ts'
import { recipe as django } from './django.ts'
import { recipe as express } from './express.ts'
import { recipe as fastapi } from './fastapi.ts'
import { recipe as fastify } from './fastify.ts'
import { recipe as flask } from './flask.ts'
import { recipe as generic } from './generic.ts'
import { recipe as go } from './go.ts'
import { recipe as laravel } from './laravel.ts'
import { recipe as localNetwork } from './local-network.ts'
import { recipe as nginx } from './nginx.ts'
import { recipe as rails } from './rails.ts'
import { recipe as spring } from './spring.ts'
import { recipe as thirdParty } from './third-party.ts'

export const RECIPES: Readonly<Record<Stack, Recipe>> = {
  nginx,
  apache,
  caddy,
  express,
  fastify,
  fastapi,
  django,
  flask,
  spring,
  aspnet,
  rails,
  laravel,
  go,
  apigateway,
  generic,
  'third-party': thirdParty,
  client,
  browser: localNetwork,
}

const PROXIES: readonly Stack[] = ['nginx', 'apache', 'caddy']
/** Stacks whose cure is their own code: offered only when the headers name them. */
const FRAMEWORKS: ReadonlySet<Stack> = new Set([
  'express',
  'fastify',
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
