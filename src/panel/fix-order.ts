/** The order of the fix tabs: the detected (recommended) stack first, then the engine's own order. */
import type { Fix } from '../core/index.ts'

export function orderFixes(fixes: readonly Fix[]): Fix[] {
  return fixes
    .map((fix, i) => ({ fix, i }))
    .sort((a, b) => Number(b.fix.recommended) - Number(a.fix.recommended) || a.i - b.i)
    .map(({ fix }) => fix)
}

const STACK_NAMES: Record<string, string> = {
  nginx: 'nginx',
  apache: 'Apache',
  caddy: 'Caddy',
  express: 'Express',
  fastify: 'Fastify',
  fastapi: 'FastAPI',
  django: 'Django',
  flask: 'Flask',
  spring: 'Spring',
  aspnet: 'ASP.NET Core',
  rails: 'Rails',
  laravel: 'Laravel',
  go: 'Go (rs/cors)',
  apigateway: 'API Gateway + Lambda',
  generic: 'Any server',
  'third-party': 'Not your server',
  client: 'Client code',
  browser: 'Browser settings',
}

export function stackName(stack: string): string {
  return STACK_NAMES[stack] ?? stack
}

/** A fix tab's label: what the cure is, when the recipe says so; else its stack. */
export function fixLabel(fix: { readonly stack: string; readonly label?: string }): string {
  return fix.label ?? stackName(fix.stack)
}
