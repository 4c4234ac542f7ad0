/**
 * The lab's "public" pages for Local Network Access: the same page handler on three more loopback ports,
 * which the lab's Chromium flags declare public (--ip-address-space-overrides, Chrome's own advice for
 * testing LNA). One is plain http (not a secure context), two are https with a self-signed certificate
 * made here at run time by openssl (Chromium runs with --ignore-certificate-errors); the permissions are
 * granted to the last one only, so both the denied and the granted path happen for real.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer as createHttp, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createServer as createHttps } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { PageKind } from './scenario.ts'

type Handler = (req: IncomingMessage, res: ServerResponse) => void
type PublicKind = Exclude<PageKind, 'lab'>

export interface PublicPages {
  readonly origins: Readonly<Record<PublicKind, string>>
  readonly ports: readonly number[]
  readonly servers: readonly Server[]
  dispose(): void
}

/** The page host of every public page; its subframes use frame.<host> (same site, another origin). */
const HOST = 'app.test'

/** A throw-away certificate for app.test and *.app.test (openssl: the Debian package the lab setup installs). */
export function selfSigned(): { key: Buffer; cert: Buffer; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'cors-lens-tls-'))
  const key = join(dir, 'key.pem')
  const cert = join(dir, 'cert.pem')
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '2',
      '-subj',
      `/CN=${HOST}`,
      '-addext',
      `subjectAltName=DNS:${HOST},DNS:*.${HOST}`,
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { stdio: 'ignore' },
  )
  return { key: readFileSync(key), cert: readFileSync(cert), dir }
}

export async function startPublicPages(
  handler: Handler,
  listen: (server: Server, port: number) => Promise<number>,
): Promise<PublicPages> {
  const tls = selfSigned()
  const http = createHttp(handler)
  const https = createHttps({ key: tls.key, cert: tls.cert }, handler)
  const granted = createHttps({ key: tls.key, cert: tls.cert }, handler)
  const servers = [http, https, granted]
  const [httpPort, httpsPort, grantedPort] = await Promise.all(servers.map((s) => listen(s, 0)))
  return {
    origins: {
      'public-http': `http://${HOST}:${httpPort}`,
      'public-https': `https://${HOST}:${httpsPort}`,
      'granted-https': `https://${HOST}:${grantedPort}`,
    },
    ports: [httpPort ?? 0, httpsPort ?? 0, grantedPort ?? 0],
    servers,
    dispose: () => rmSync(tls.dir, { recursive: true, force: true }),
  }
}

/** The same-site subframe origin of a page origin: frame.app.test on the same port. */
export function frameOriginOf(origin: string): string {
  return origin.replace(`//${HOST}:`, `//frame.${HOST}:`)
}
