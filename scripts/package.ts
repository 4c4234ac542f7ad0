/**
 * `npm run package`: the store uploads from one tree, into packages/ (gitignored):
 *  - cors-lens-<v>-chrome.zip   Chrome Web Store (dist/, the Chromium build)
 *  - cors-lens-<v>-edge.zip     Edge Add-ons (the same Chromium build: Edge takes the Chrome package as is)
 *  - cors-lens-<v>-firefox.zip  addons.mozilla.org (dist-firefox/, the derived Firefox manifest)
 *  - cors-lens-<v>-source.zip   the source AMO asks for when code is bundled: the committed tree (git archive
 *                               HEAD); reviewers rebuild it with `npm ci && npm run build` (README, quick start)
 * Zips are made by web-ext build (no system zip needed). Run after `npm run build` (the npm script does).
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs'
import { join, resolve } from 'node:path'

const ROOT = resolve(import.meta.dirname, '..')
const OUT = join(ROOT, 'packages')
const WEB_EXT = join(ROOT, 'node_modules', '.bin', 'web-ext')
const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }

function zipDir(dir: string, name: string): string {
  if (!existsSync(join(ROOT, dir, 'manifest.json')))
    throw new Error(`${dir}/ is not built: run npm run build`)
  const file = `${name}.zip`
  execFileSync(
    WEB_EXT,
    [
      'build',
      '--source-dir',
      dir,
      '--artifacts-dir',
      OUT,
      '--filename',
      file,
      '--overwrite-dest',
      '--no-input',
    ],
    { cwd: ROOT, stdio: 'ignore' },
  )
  return join(OUT, file)
}

rmSync(OUT, { recursive: true, force: true })
mkdirSync(OUT, { recursive: true })
const made = [
  zipDir('dist', `cors-lens-${version}-chrome`),
  zipDir('dist', `cors-lens-${version}-edge`),
  zipDir('dist-firefox', `cors-lens-${version}-firefox`),
]
const source = join(OUT, `cors-lens-${version}-source.zip`)
execFileSync(
  'git',
  ['archive', '--format=zip', `--prefix=cors-lens-${version}/`, '-o', `${source}.tmp`, 'HEAD'],
  {
    cwd: ROOT,
  },
)
renameSync(`${source}.tmp`, source)
made.push(source)
const dirty = execFileSync(
  'git',
  ['status', '--porcelain', '--', 'src', 'manifest.json', 'vite.config.ts', 'package.json'],
  {
    cwd: ROOT,
    encoding: 'utf8',
  },
)
for (const file of made) console.log(`packaged ${file.slice(ROOT.length + 1)}`)
if (dirty.trim())
  console.warn(
    'warning: uncommitted changes in the sources: the source archive (HEAD) does not match the build',
  )
