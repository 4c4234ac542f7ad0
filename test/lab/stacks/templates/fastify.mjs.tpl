// Fastify 5 + @fastify/cors, the lab's Fastify app. The named slots are filled per scenario by test/lab/stacks/stack.ts.
// (A .tpl file: the {{slot}} lines are not JavaScript until filled, so the linter must not touch it.)
// @fastify/cors is imported in the CORS slot (ES imports are hoisted), as the recipe's change writes it.
import Fastify from 'fastify'

const app = Fastify()

// Preflights carry no credentials: an auth hook that runs before @fastify/cors answers them 401.
function requireAuth(req, reply, done) {
  {{auth_guard}}
  if (!req.headers.authorization) return reply.code(401).send({ error: 'unauthorized' })
  done()
}

// --- the app's CORS setup (before auth and routes) ---
{{app_cors}}
// --- other hooks (auth, …) ---
{{app_middleware}}
// --- CORS registered after other hooks (a misplacement some scenarios need) ---
{{app_cors_late}}

const items = async (req) => ({ ok: true, method: req.method })
app.get('/api/items', items)
app.put('/api/items', items)
app.delete('/api/items', items)
app.post('/api/items', items)
app.get('/api/private', { onRequest: requireAuth }, items)
app.get('/api/boom', async () => {
  throw new Error('boom')
})

await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' })
