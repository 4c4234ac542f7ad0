/** A cure: a copy-ready snippet for one stack, split into the changes it makes at each layer. */

export type Layer = 'proxy' | 'app' | 'client'

export type Stack =
  | 'nginx'
  | 'apache'
  | 'caddy'
  /** A cache in front of the app. */
  | 'varnish'
  | 'haproxy'
  | 'express'
  | 'fastify'
  | 'hono'
  | 'koa'
  | 'fastapi'
  | 'django'
  | 'flask'
  | 'spring'
  | 'aspnet'
  | 'rails'
  | 'laravel'
  | 'go'
  | 'apigateway'
  /** Stack-neutral: the exact header lines, for a server no signature names. */
  | 'generic'
  /** A server the user probably does not run: ask its owner, or call it from your own backend. */
  | 'third-party'
  | 'client'
  /** The user's browser settings or the fleet's policies (Local Network Access). */
  | 'browser'

export interface FixChange {
  readonly layer: Layer
  /** Where the change goes, in words a user can act on: "nginx.conf, server block for api.example". */
  readonly where: string
  readonly snippet: string
}

export interface Fix {
  readonly stack: Stack
  readonly layer: Layer
  readonly recommended: boolean
  readonly title: string
  /** A short tab label saying what the cure is ("nginx only", "Express only"); absent: the stack's name. */
  readonly label?: string
  /** One line: why this cures it. */
  readonly why: string
  /** The whole cure, copy-ready. */
  readonly snippet: string
  readonly changes: readonly FixChange[]
  /** e.g. "needs nginx ≥ 1.29.3" */
  readonly requires?: string
}
