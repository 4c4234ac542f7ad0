import { recipe, SUPABASE_ALLOW_HEADERS, WHERE } from '../fixes/supabase.ts'
import { has, val } from './fingerprint.ts'
import type { StackModule } from './stack.ts'

/** Supabase's own marks: its Edge Functions gateway (sb-*, x-sb-edge-region) and runtime (x-served-by). */
export const supabaseMarks = (h: Parameters<typeof val>[0]): string | null =>
  /^supabase-edge-runtime$/i.test(val(h, 'x-served-by').trim())
    ? 'x-served-by: supabase-edge-runtime'
    : has(h, 'sb-project-ref')
      ? `sb-project-ref: ${val(h, 'sb-project-ref')}`
      : has(h, 'sb-gateway-version')
        ? 'sb-gateway-version'
        : null

/**
 * Supabase Edge Functions, a managed service whose CORS is the function's own code: the `corsHeaders` and
 * the OPTIONS answer of https://supabase.com/docs/guides/functions/cors. Its answers carry `x-served-by:
 * supabase-edge-runtime`, `sb-project-ref`, `sb-gateway-version`, `x-sb-edge-region`, behind Supabase's
 * own Cloudflare (Server: cloudflare, CF-Ray), all seen on a preflight to a *.supabase.co function in a
 * published verification report (August 2026, quoted in the test). The documented Allow-Headers list,
 * `authorization, x-client-info, apikey, content-type`, is its default (and the preflight value reported
 * in https://github.com/supabase/supabase/issues/41334).
 */
export const supabase: StackModule = {
  id: 'supabase',
  name: 'Supabase Edge Functions',
  layer: 'service',
  comment: '//',
  recipe,
  config: WHERE,
  defaults: [{ header: 'access-control-allow-headers', value: SUPABASE_ALLOW_HEADERS }],
  fingerprints: [
    {
      phase: 'platform',
      read: (r) => {
        const mark = supabaseMarks(r.headers)
        return mark
          ? { stack: 'supabase', confidence: 'high', evidence: `${mark} — a Supabase Edge Function answered` }
          : null
      },
    },
  ],
}

declare module '../fix.ts' {
  interface StackIds {
    supabase: true
  }
}
