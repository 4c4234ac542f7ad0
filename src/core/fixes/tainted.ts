/**
 * Cures for a request whose origin a cross-origin redirect made 'null' (Chromium's tainted origin): naming the
 * page's origin in Access-Control-Allow-Origin never matches, so the server-side allow-list recipes do not apply.
 * The lab's ok-redirect-tainted-star scenario proves '*' passes in Chromium (test/lab/scenarios.ts).
 */
import type { TaintingRedirect } from '../analyze.ts'
import type { Fix } from '../fix.ts'
import { redactUrl } from '../redact.ts'
import { callFinalUrl } from './client.ts'
import type { FixContext } from './context.ts'
import { makeFix } from './shared.ts'

export function taintedFixes(ctx: FixContext, taint: TaintingRedirect): Fix[] {
  const target = /^https?:/i.test(taint.to) ? taint.to : null
  const fixes: Fix[] = []
  if (target)
    fixes.push(
      callFinalUrl(
        ctx,
        target,
        `Calling ${redactUrl(target)} directly needs no cross-origin redirect, so the browser sends the page's own origin.`,
        'Call the final URL',
      ),
    )
  if (!ctx.credentials)
    fixes.push(
      makeFix({
        stack: 'generic',
        layer: 'app',
        recommended: !target,
        title: "Answer Access-Control-Allow-Origin: '*' at the redirect target",
        label: "'*' at the target",
        why: "After the redirect the origin is 'null'; '*' matches it when the request carries no credentials.",
        changes: [
          {
            layer: 'app',
            where: 'the server at the redirect target',
            comment: '#',
            snippet: 'Access-Control-Allow-Origin: *',
          },
        ],
      }),
    )
  return fixes
}
