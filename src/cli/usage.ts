/** The help text and version. The version is read from package.json at build time. */
import { version } from '../../package.json' with { type: 'json' }

export const VERSION: string = version

export const USAGE = `cors-lens ${VERSION} — explains requests blocked by CORS

Usage:
  cors-lens explain FILE.har [--json] [--all]
      Read a HAR export (Chrome/Edge DevTools, Firefox, Playwright, CORS Lens) and explain every
      cross-origin request a browser blocked or that is at risk. --all also lists the ones that passed.

  cors-lens check URL --origin ORIGIN [--method M] [--header "Name: value"]... [--credentials]
                  [--data STR | --data-file FILE] [--upstream APP_URL] [--no-probe]
                  [--resolve HOST:ADDRESS]... [--origin-address public|local|loopback|IP]
                  [--timeout SECONDS] [--config FILE]... [--json]
      Send the request the way a browser page at ORIGIN would (its preflight first when a browser
      would send one) and say whether a browser would let the page read the response. First, predict
      Chrome's Local Network Access block (a page calling a more private address than its own).
      --credentials   the page uses credentials: 'include' (pass the cookie with --header "Cookie: …")
      --data, -d      the request body, as the page's fetch() sends it (--data-file: read from FILE)
      --upstream      the app's own address behind the proxy (e.g. http://127.0.0.1:3000): the same
                      requests go there too, and each CORS line's sender is proven by difference
      --no-probe      skip the 3 requests that tell layers apart (another origin, a path the app does
                      not have, an OPTIONS without Access-Control-Request-Method; --probe: the default)
      --config FILE   the nginx/Apache/Caddy config that served it: lint it and show first the
                      finding that explains the failure seen (repeatable)
      --resolve       connect to ADDRESS for HOST (like curl --resolve), e.g. api.test:127.0.0.1
      --origin-address  where the page is served from (default: its host's address; public when
                      it does not resolve), e.g. public for a dev page that is public in production

  cors-lens lint [--json] [--server nginx|apache|caddy] PATH...
      Read a server config (PATH - = stdin: nginx -T | cors-lens lint -) and report the CORS mistakes
      line by line: when each one bites, the CorsError Chromium reports, and the corrected lines.

  cors-lens mcp [--root DIR]...
      An MCP server over stdio for coding agents, with the tools check_url, explain_har and lint_config
      (the JSON of check, explain and lint --json, and a short answer). Files are read only inside the
      --root directories (default: the current directory).

  cors-lens --help | --version

Output (explain, check, lint): --format text|json|github|junit   (--json is --format json)
      github: GitHub Actions annotations, and a table in $GITHUB_STEP_SUMMARY when it is set;
      junit: JUnit XML, one test case per request or finding. The exit codes stay the same.

Exit codes:
  0  a browser allows it (explain: no request was blocked)
  1  a browser blocks it (explain: at least one request was blocked; lint: an error finding)
  2  unusable input, wrong arguments or a network error`
