/// <reference types="vitest/config" />
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { crx, type ManifestV3Export } from '@crxjs/vite-plugin'
import preact from '@preact/preset-vite'
import ts from 'typescript'
import { defineConfig, type Plugin } from 'vite'
import manifest from './manifest.json' with { type: 'json' }

// One manifest (manifest.json) for every target; the Firefox variant is derived here, never kept twice.
type Target = 'chrome' | 'firefox'

function manifestFor(target: Target): ManifestV3Export {
  if (target === 'chrome') return manifest as ManifestV3Export
  const { service_worker: worker, ...background } = manifest.background
  const { minimum_chrome_version: _chromeOnly, ...common } = manifest
  return {
    ...common,
    background: { ...background, scripts: [worker] },
    browser_specific_settings: {
      gecko: {
        id: 'cors-lens@cors-lens.dev',
        // 140: the first Firefox that reads data_collection_permissions (MDN; web-ext lint warns below it).
        // Everything else used is older: storage.session 115, devtools.panels 54, MV3 event pages 109.
        strict_min_version: '140.0',
        // Honest: the extension collects nothing and sends nothing (it has no network code at all).
        data_collection_permissions: { required: ['none'] },
      },
      // Without it the gecko minimum applies to Android too, where the key needs 142. (DevTools panels do not
      // exist on Android; the AMO listing is for desktop.)
      gecko_android: { strict_min_version: '142.0' },
    },
  } as ManifestV3Export
}

/**
 * Preact's renderer holds the bundle's only innerHTML sink, for `dangerouslySetInnerHTML`, which CORS Lens
 * never uses (header values are text, never HTML). web-ext lint flags that sink (UNSAFE_VAR_ASSIGNMENT), and
 * AMO reviewers read it. The build replaces it with a throw, so the shipped panel has no path to innerHTML at
 * all; it fails if preact's code no longer matches (an upgrade must be looked at, not silently shipped).
 */
function noInnerHtmlSink(): Plugin {
  const sink = /\(([A-Za-z_$][\w$]*)\.innerHTML=([A-Za-z_$][\w$]*)\.__html\)/g
  return {
    name: 'cors-lens-no-innerhtml-sink',
    transform(code, id) {
      if (!/[\\/]preact[\\/]dist[\\/]preact\.mjs$/.test(id.split('?')[0] ?? '')) return null
      const found = code.match(sink)?.length ?? 0
      if (found !== 1)
        this.error(`expected preact's one innerHTML sink, found ${found}: review preact's upgrade`)
      return {
        code: code.replace(
          sink,
          '(()=>{throw Error("CORS Lens renders no HTML: dangerouslySetInnerHTML is disabled")})()',
        ),
        map: null,
      }
    },
  }
}

/**
 * build/playwright/index.d.ts from src/playwright/index.ts, whose public types are written out to import
 * nothing but @playwright/test: a published declaration that imports a sibling file would not resolve.
 */
function playwrightDeclarations(): Plugin {
  return {
    name: 'cors-lens-playwright-declarations',
    writeBundle(options) {
      // Isolated declarations (every export typed in the file itself): one file, no program, milliseconds.
      const source = resolve('src/playwright/index.ts')
      const { outputText: text, diagnostics } = ts.transpileDeclaration(readFileSync(source, 'utf8'), {
        fileName: source,
        compilerOptions: { isolatedDeclarations: true, allowImportingTsExtensions: true, strict: true },
        reportDiagnostics: true,
      })
      if (diagnostics?.length)
        this.error(
          ts.formatDiagnostics(diagnostics, {
            getCanonicalFileName: (f) => f,
            getCurrentDirectory: () => '.',
            getNewLine: () => '\n',
          }),
        )
      const relative = /from\s+['"]\./.exec(text)
      if (relative)
        this.error(
          `build/playwright/index.d.ts imports a relative file (${relative[0]}): keep the public types in index.ts`,
        )
      const out = join(options.dir ?? 'build/playwright', 'index.d.ts')
      if (!existsSync(out) || readFileSync(out, 'utf8') !== text) writeFileSync(out, text)
    },
  }
}

export default defineConfig(({ mode }) => {
  if (process.env.VITEST) {
    // Tests import sources directly; the extension plugins are not needed there.
    return {
      test: {
        include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
        testTimeout: 60_000,
        hookTimeout: 180_000,
        maxWorkers: 2,
      },
    }
  }
  if (mode === 'cli') {
    // The CLI: one Node ESM file over the same engine.
    return {
      plugins: [
        {
          // npx links the bin once; every rebuild must leave it executable again.
          name: 'cli-bin-executable',
          writeBundle(options, bundle) {
            for (const file of Object.keys(bundle)) chmodSync(join(options.dir ?? 'build/cli', file), 0o755)
          },
        },
      ],
      // Every dependency (the MCP SDK and zod) goes into the one file: the package has no runtime dependency.
      ssr: { noExternal: true },
      build: {
        ssr: 'src/cli/main.ts',
        outDir: 'build/cli',
        // The package tests build and pack it concurrently (test/cli, test/playwright): overwrite, never empty.
        emptyOutDir: false,
        target: 'node20',
        rollupOptions: {
          output: {
            entryFileNames: 'cors-lens.mjs',
            // `cors-lens mcp` alone loads the SDK and zod (src/cli/main.ts): the other commands start as fast.
            chunkFileNames: 'cors-lens-[name].mjs',
            banner: '#!/usr/bin/env node',
          },
        },
      },
    }
  }
  if (mode === 'playwright') {
    // `cors-lens/playwright`: one Node ESM file over the same engine; Playwright is the user's (a peer).
    return {
      plugins: [playwrightDeclarations()],
      build: {
        ssr: 'src/playwright/index.ts',
        outDir: 'build/playwright',
        // Tests rebuild it while another test file may be loading it: overwrite, never empty the folder.
        emptyOutDir: false,
        target: 'node20',
        rollupOptions: {
          external: [/^@playwright\/test(\/|$)/],
          output: { entryFileNames: 'index.mjs' },
        },
      },
    }
  }
  const target: Target = process.env.TARGET_BROWSER === 'firefox' ? 'firefox' : 'chrome'
  return {
    plugins: [preact(), noInnerHtmlSink(), crx({ manifest: manifestFor(target), browser: target })],
    // The bench's capture candidates (src/platform/live-source.ts), each built into its own folder.
    define: { __CORS_LENS_LIVE_SOURCE__: JSON.stringify(process.env.CORS_LENS_LIVE_SOURCE ?? '') },
    build: {
      outDir: process.env.CORS_LENS_OUT_DIR || (target === 'firefox' ? 'dist-firefox' : 'dist'),
      emptyOutDir: true,
      target: 'chrome116',
      // panel.html is referenced only from code (devtools.panels.create), so crxjs cannot find it.
      rollupOptions: { input: { panel: 'src/panel/panel.html' } },
    },
  }
})
