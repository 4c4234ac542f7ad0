/**
 * Vercel: CORS is either the `headers` of vercel.json (https://vercel.com/docs/project-configuration#headers),
 * which Vercel applies to every response of the path, the preflight's included, over what a function sent
 * (seen in https://github.com/koala73/worldmonitor/pull/2316), or the function's own code. A preflight still
 * needs a 2xx: the function (or middleware) must answer OPTIONS itself, as Vercel's guide shows
 * (https://vercel.com/guides/how-to-enable-cors). Golden-tested: Vercel cannot run here; the JSON parses and
 * the handler passes `node --check`.
 */
import type { Fix } from '../fix.ts'
import type { ChangeSpec, FixContext, Recipe } from './context.ts'
import { corsValues, preflightLines } from './edge.ts'
import { jsonString } from './escape.ts'
import { failureKind, HEADER_KINDS, preflightRefused } from './failure.ts'
import { makeFix, relevantProxy } from './shared.ts'

/** Where its configuration lives: each place a cure's change goes, keyed by that place's name. */
export const WHERE = {
  headers: 'vercel.json at the root of the project: its "headers" list (redeploy to apply)',
  options: 'the function that serves this path (app/…/route.ts, pages/api/… or api/…): its OPTIONS answer',
  function: 'the function that serves this path: its logs in the Vercel dashboard (Logs, this deployment)',
} as const

export const plainProxy: readonly ChangeSpec[] = [
  {
    layer: 'proxy',
    where: WHERE.headers,
    comment: '//',
    snippet:
      '// No "headers" entry sets Access-Control-* for this path: Vercel then passes the function’s own CORS lines on.',
  },
]

/** The path pattern of the cure: the API's prefix when the path has one, never the website's raw text. */
function source(path: string): string {
  return /^\/api(\/|$)/.test(path) ? '/api/(.*)' : '/(.*)'
}

function vercelJson(ctx: FixContext): string {
  const v = corsValues(ctx, true)
  const lines = preflightLines(v).map(
    ([key, value]) => `        { "key": ${jsonString(key)}, "value": ${jsonString(value)} }`,
  )
  return [
    '{',
    '  "headers": [',
    '    {',
    `      "source": ${jsonString(source(ctx.path))},`,
    '      "headers": [',
    lines.join(',\n'),
    '      ]',
    '    }',
    '  ]',
    '}',
  ].join('\n')
}

const OPTIONS_HANDLER = [
  '// The preflight needs a 2xx; vercel.json adds the CORS lines to it.',
  'export function OPTIONS() {',
  '  return new Response(null, { status: 204 })',
  '}',
].join('\n')

function functionFailed(error: string): Fix {
  return makeFix({
    stack: 'vercel',
    layer: 'proxy',
    recommended: true,
    title: 'Vercel answered with its own error: make the function answer',
    label: 'Vercel error',
    why: `x-vercel-error says Vercel wrote this response itself (${error}): the function never answered, so none of its CORS lines reached the browser.`,
    changes: [
      {
        layer: 'proxy',
        where: WHERE.function,
        comment: '//',
        snippet: `// ${error}: read the function's log for this request and fix that first; the CORS error goes with it.`,
      },
    ],
  })
}

export const recipe: Recipe = (ctx) => {
  if (!relevantProxy(ctx, 'vercel')) return []
  const kind = failureKind(ctx)
  if (!HEADER_KINDS.has(kind)) return []
  const seen = ctx.exchange.preflight?.response ?? ctx.exchange.response
  const error = seen?.headers.find((l) => l.name.toLowerCase() === 'x-vercel-error')?.value.trim()
  if (error && /^[A-Z0-9_]{1,64}$/.test(error)) return [functionFailed(error)]
  const needsOptions = ctx.exchange.preflight !== undefined && preflightRefused(kind)
  return [
    makeFix({
      stack: 'vercel',
      layer: 'proxy',
      recommended: true,
      title: `Allow ${corsValues(ctx).origin} in vercel.json`,
      label: 'vercel.json headers',
      why: 'Vercel adds the headers of vercel.json to every response of the path, the preflight included, over what the function sends: one set of CORS lines.',
      changes: [
        { layer: 'proxy', where: WHERE.headers, comment: '//', snippet: vercelJson(ctx) },
        ...(needsOptions
          ? [
              {
                layer: 'proxy' as const,
                where: WHERE.options,
                comment: '//' as const,
                snippet: OPTIONS_HANDLER,
              },
            ]
          : []),
      ],
    }),
  ]
}
