// Hono 4 on @hono/node-server, the lab's Hono app. The named slots are filled per scenario by test/lab/stacks/stack.ts.
// (A .tpl file: the {{slot}} lines are not JavaScript until filled, so the linter must not touch it.)
// hono/cors is imported in the CORS slot (ES imports are hoisted), as the recipe's change writes it.
import { serve } from '@hono/node-server'
import { Hono } from 'hono'

const app = new Hono()

// Preflights carry no credentials: an auth middleware that runs before cors() answers them 401.
const requireAuth = async (c, next) => {
  {{auth_guard}}
  if (!c.req.header('authorization')) return c.json({ error: 'unauthorized' }, 401)
  await next()
}

// --- the app's CORS setup (before auth and routes) ---
{{app_cors}}
// --- other middleware (auth, …) ---
{{app_middleware}}
// --- CORS set up after other middleware (a misplacement some scenarios need) ---
{{app_cors_late}}

const items = (c) => c.json({ ok: true, method: c.req.method })
app.get('/api/items', items)
app.put('/api/items', items)
app.delete('/api/items', items)
app.post('/api/items', items)
app.get('/api/private', requireAuth, items)
app.get('/api/boom', () => {
  throw new Error('boom')
})

serve({ fetch: app.fetch, port: Number(process.env.PORT), hostname: '127.0.0.1' })
