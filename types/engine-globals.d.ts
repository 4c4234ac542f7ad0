/**
 * The one platform global the engine uses: the WHATWG URL parser (https://url.spec.whatwg.org/#api), which
 * browsers, workers and Node all provide. src/core/tsconfig.json compiles the engine with this and ES2023
 * alone, so a DOM, Node or extension API used in src/core fails `npm run check`. Only the members the
 * engine reads are declared.
 */
declare class URLSearchParams {
  [Symbol.iterator](): IterableIterator<[string, string]>
}

declare class URL {
  constructor(url: string, base?: string)
  readonly href: string
  readonly origin: string
  readonly protocol: string
  username: string
  password: string
  readonly host: string
  readonly hostname: string
  readonly port: string
  readonly pathname: string
  readonly search: string
  readonly hash: string
  readonly searchParams: URLSearchParams
}
