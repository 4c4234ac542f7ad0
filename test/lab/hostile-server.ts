/**
 * The lab's hostile server: a raw loopback socket that answers with byte-exact shapes no framework would
 * send — thousands of header lines, 200 KB and endless heads, bare LF, obs-fold, a body that never ends,
 * redirect loops and unsafe Locations, escape sequences in every field. For `cors-lens check` and for the
 * extension in a browser (each route sends CORS headers for any Origin, so a page can fetch it).
 */
import { createServer, type Socket } from 'node:net'

export const ESC = '\u001b'
/** Escape sequences a terminal obeys: clipboard write (OSC 52), title set, cursor up + erase line (CSI). */
export const TERMINAL_ATTACKS = [
  `${ESC}]52;c;ZXZpbA==\u0007`,
  `${ESC}]0;pwned\u0007`,
  `${ESC}[1A${ESC}[2K`,
  '\u009b31m',
  '\u202egnp.exe',
] as const

export interface HostileServer {
  readonly origin: string
  url(path: string): string
  /** The request heads received, in order (request line and header lines, CRLF-joined). */
  readonly requests: string[]
  /** Bytes written on routes that stream forever (so a test can state what the client took). */
  readonly streamed: { bytes: number }
  close(): Promise<void>
}

type Route = (socket: Socket, head: string, path: string) => void

const CORS = 'Access-Control-Allow-Origin: *\r\n'

function respond(socket: Socket, text: string): void {
  socket.end(Buffer.from(text, 'latin1'))
}

/** Writes `line` until the client goes away: an endless head or body. */
function forever(socket: Socket, prefix: string, line: string, counter: { bytes: number }): void {
  const block = Buffer.from(line.repeat(256), 'latin1')
  socket.write(prefix)
  const pump = (): void => {
    while (!socket.destroyed && socket.write(block)) counter.bytes += block.length
    if (!socket.destroyed) socket.once('drain', pump)
  }
  socket.on('error', () => {})
  pump()
}

function routes(streamed: { bytes: number }): Record<string, Route> {
  const pad = (bytes: number): string => {
    const line = `X-Pad: ${'p'.repeat(90)}\r\n`
    return line.repeat(Math.ceil(bytes / line.length))
  }
  return {
    // node:http keeps 2,000 lines at most; Chromium keeps them all.
    '/many-lines': (s) =>
      respond(s, `HTTP/1.1 200 OK\r\n${'X-Line: x\r\n'.repeat(5_000)}${CORS}Content-Length: 2\r\n\r\nok`),
    // 200 KB of headers: over node:http's 16 KB, under Chromium's 256 KB.
    '/big-head': (s) => respond(s, `HTTP/1.1 200 OK\r\n${pad(200 * 1024)}${CORS}Content-Length: 2\r\n\r\nok`),
    '/too-big-head': (s) => respond(s, `HTTP/1.1 200 OK\r\n${pad(300 * 1024)}${CORS}\r\nok`),
    '/endless-head': (s) => forever(s, 'HTTP/1.1 200 OK\r\n', 'X-More: yes\r\n', streamed),
    '/bare-lf': (s) =>
      respond(s, 'HTTP/1.1 200 OK\nContent-Type: text/plain\nAccess-Control-Allow-Origin: *\n\nok'),
    // obs-fold: Chromium joins the continuation line to the value with one space.
    '/obs-fold': (s) =>
      respond(s, 'HTTP/1.1 200 OK\r\nAccess-Control-Allow-Origin:\r\n *\r\nContent-Length: 2\r\n\r\nok'),
    '/sse': (s) =>
      forever(
        s,
        `HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n${CORS}\r\n`,
        'data: tick\n\n',
        streamed,
      ),
    '/early-hints': (s) =>
      respond(s, `HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\nHTTP/1.1 200 OK\r\n${CORS}\r\nok`),
    '/loop': (s, _h, path) => respond(s, `HTTP/1.1 302 Found\r\n${CORS}Location: ${path}\r\n\r\n`),
    '/redirect-file': (s) => respond(s, `HTTP/1.1 302 Found\r\n${CORS}Location: file:///etc/passwd\r\n\r\n`),
    '/redirect-data': (s) => respond(s, `HTTP/1.1 302 Found\r\n${CORS}Location: data:text/plain,hi\r\n\r\n`),
    '/redirect-invalid': (s) => respond(s, `HTTP/1.1 302 Found\r\n${CORS}Location: http://[::1\r\n\r\n`),
    '/ok': (s) => respond(s, `HTTP/1.1 200 OK\r\n${CORS}Content-Length: 2\r\n\r\nok`),
    // Every terminal attack in the status text, a header name's neighbour, and the CORS values.
    '/inject': (s) =>
      respond(
        s,
        `HTTP/1.1 200 ${TERMINAL_ATTACKS.join('')}\r\nAccess-Control-Allow-Origin: https://x.example${TERMINAL_ATTACKS.join('')}\r\nVary: ${TERMINAL_ATTACKS.join(',')}\r\n\r\nok`,
      ),
  }
}

/** `/hop/N?to=M` redirects to /hop/N+1 until M, then answers 200: a chain of exactly M redirects. */
function hop(socket: Socket, path: string): boolean {
  const m = /^\/hop\/(\d+)\?to=(\d+)$/.exec(path)
  if (!m) return false
  const n = Number(m[1])
  const to = Number(m[2])
  if (n >= to) respond(socket, `HTTP/1.1 200 OK\r\n${CORS}Content-Length: 2\r\n\r\nok`)
  else respond(socket, `HTTP/1.1 302 Found\r\n${CORS}Location: /hop/${n + 1}?to=${to}\r\n\r\n`)
  return true
}

export async function startHostileServer(): Promise<HostileServer> {
  const requests: string[] = []
  const streamed = { bytes: 0 }
  const table = routes(streamed)
  const sockets = new Set<Socket>()
  const server = createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
    let head = ''
    socket.on('data', (chunk) => {
      if (head.includes('\r\n\r\n')) return
      head += chunk.toString('latin1')
      const end = head.indexOf('\r\n\r\n')
      if (end < 0) return
      head = head.slice(0, end)
      requests.push(head)
      const path = head.split(' ')[1] ?? '/'
      const route = table[path.split('?')[0] ?? '']
      if (route) route(socket, head, path)
      else if (!hop(socket, path)) respond(socket, 'HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  const origin = `http://127.0.0.1:${port}`
  return {
    origin,
    url: (path) => `${origin}${path}`,
    requests,
    streamed,
    close: async () => {
      for (const s of sockets) s.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
