/**
 * Supabase Edge Functions: CORS is the function's code. Supabase's guide
 * (https://supabase.com/docs/guides/functions/cors) keeps one `corsHeaders` object in
 * supabase/functions/_shared/cors.ts, answers OPTIONS with it first thing, and spreads it into every
 * response; supabase-js sends authorization, x-client-info, apikey and content-type, so the list keeps them.
 * A changed list takes effect only when the function is redeployed. Golden-tested: the runtime cannot run
 * here; both files pass `node --check` (they are plain JavaScript, valid TypeScript for Deno).
 */
import type { Recipe } from './context.ts'
import { corsValues } from './edge.ts'
import { jsString } from './escape.ts'
import { failureKind, HEADER_KINDS } from './failure.ts'
import { makeFix } from './shared.ts'

/** The Allow-Headers value of Supabase's documented corsHeaders. */
export const SUPABASE_ALLOW_HEADERS = 'authorization, x-client-info, apikey, content-type'

/** Where its configuration lives: each place a cure's change goes, keyed by that place's name. */
export const WHERE = {
  cors: 'supabase/functions/_shared/cors.ts (redeploy each function that imports it: supabase functions deploy <name>)',
  handler:
    'supabase/functions/<name>/index.ts: the first lines of the handler, and every Response it returns',
} as const

export const recipe: Recipe = (ctx) => {
  if (ctx.attribution.app !== 'supabase' || !HEADER_KINDS.has(failureKind(ctx))) return []
  const v = corsValues(ctx, true)
  const headers = [...new Set([...SUPABASE_ALLOW_HEADERS.split(', '), ...v.headers])]
  const cors = [
    ...v.notes('//'),
    'export const corsHeaders = {',
    `  'Access-Control-Allow-Origin': ${jsString(v.origin)},`,
    ...(v.credentials ? ["  'Access-Control-Allow-Credentials': 'true',"] : []),
    `  'Access-Control-Allow-Headers': ${jsString(headers.join(', '))},`,
    `  'Access-Control-Allow-Methods': ${jsString(v.methods.join(', '))},`,
    "  'Access-Control-Max-Age': '600',",
    "  Vary: 'Origin',",
    '}',
  ].join('\n')
  const handler = [
    "import { corsHeaders } from '../_shared/cors.ts'",
    '',
    'Deno.serve(async (req) => {',
    '  // The preflight first, before any auth or body parsing.',
    "  if (req.method === 'OPTIONS') return new Response('ok', { headers: corsHeaders })",
    '  const body = JSON.stringify({ ok: true })',
    '  // Every response, errors included, carries the same lines.',
    "  return new Response(body, { headers: { ...corsHeaders, 'Content-Type': 'application/json' } })",
    '})',
  ].join('\n')
  return [
    makeFix({
      stack: 'supabase',
      layer: 'app',
      recommended: true,
      title: `Allow ${v.origin} in the Edge Function's corsHeaders`,
      label: 'Supabase corsHeaders',
      why: 'A Supabase Edge Function sends only the CORS lines its code writes: the shared corsHeaders must name the origin and every request header, and OPTIONS must be answered with them before anything else.',
      changes: [
        { layer: 'app', where: WHERE.cors, comment: '//', snippet: cors },
        { layer: 'app', where: WHERE.handler, comment: '//', snippet: handler },
      ],
    }),
  ]
}
