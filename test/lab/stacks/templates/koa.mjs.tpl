// Koa 2 + @koa/cors, the lab's Koa app. The named slots are filled per scenario by test/lab/stacks/stack.ts.
// (A .tpl file: the {{slot}} lines are not JavaScript until filled, so the linter must not touch it.)
// @koa/cors is imported in the CORS slot (ES imports are hoisted), as the recipe's change writes it.
import Koa from 'koa'

const app = new Koa()

// Preflights carry no credentials: an auth middleware that runs before cors() answers them 401.
const requireAuth = async (ctx, next) => {
  {{auth_guard}}
  if (!ctx.get('authorization')) {
    ctx.status = 401
    ctx.body = { error: 'unauthorized' }
    return
  }
  await next()
}

// --- the app's CORS setup (before auth and routes) ---
{{app_cors}}
// --- other middleware (auth, …) ---
{{app_middleware}}
// --- CORS set up after other middleware (a misplacement some scenarios need) ---
{{app_cors_late}}

// The routes, without a router package: /api/items (GET, PUT, POST, DELETE), /api/private, /api/boom.
app.use(async (ctx, next) => {
  if (ctx.path === '/api/items' && ['GET', 'PUT', 'POST', 'DELETE'].includes(ctx.method))
    ctx.body = { ok: true, method: ctx.method }
  else if (ctx.path === '/api/private' && ctx.method === 'GET')
    await requireAuth(ctx, async () => {
      ctx.body = { ok: true, method: ctx.method }
    })
  else if (ctx.path === '/api/boom') throw new Error('boom')
  else await next()
})

app.listen(Number(process.env.PORT), '127.0.0.1')
