// Express 5 + cors, the lab's Express app. The named slots are filled per scenario by test/lab/stacks/stack.ts.
// (A .tpl file: the {{slot}} lines are not JavaScript until filled, so the linter must not touch it.)
import cors from 'cors'
import express from 'express'

const app = express()

// Preflights carry no credentials: an auth check that runs before cors() answers them 401.
function requireAuth(req, res, next) {
  {{auth_guard}}
  if (!req.headers.authorization) return res.status(401).json({ error: 'unauthorized' })
  next()
}

// --- the app's CORS setup (before auth and routes) ---
{{app_cors}}
// --- other middleware (auth, …) ---
{{app_middleware}}
// --- CORS set up after other middleware (a misplacement some scenarios need) ---
{{app_cors_late}}

const items = (req, res) => res.json({ ok: true, method: req.method })
app.get('/api/items', items)
app.put('/api/items', express.json(), items)
app.delete('/api/items', items)
app.post('/api/items', express.json(), items)
app.get('/api/private', requireAuth, items)
app.get('/api/boom', () => {
  throw new Error('boom')
})

app.listen(Number(process.env.PORT), '127.0.0.1')
