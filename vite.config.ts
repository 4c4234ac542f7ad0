/// <reference types="vitest/config" />
import { chmodSync } from 'node:fs'
import { join } from 'node:path'
import { crx, type ManifestV3Export } from '@crxjs/vite-plugin'
import preact from '@preact/preset-vite'
import { defineConfig } from 'vite'
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
    browser_specific_settings: { gecko: { id: 'cors-lens@cors-lens.dev', strict_min_version: '128.0' } },
  } as ManifestV3Export
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
      build: {
        ssr: 'src/cli/main.ts',
        outDir: 'build/cli',
        emptyOutDir: true,
        target: 'node20',
        rollupOptions: { output: { entryFileNames: 'cors-lens.mjs', banner: '#!/usr/bin/env node' } },
      },
    }
  }
  const target: Target = process.env.TARGET_BROWSER === 'firefox' ? 'firefox' : 'chrome'
  return {
    plugins: [preact(), crx({ manifest: manifestFor(target), browser: target })],
    build: {
      outDir: target === 'firefox' ? 'dist-firefox' : 'dist',
      emptyOutDir: true,
      target: 'chrome116',
      // panel.html is referenced only from code (devtools.panels.create), so crxjs cannot find it.
      rollupOptions: { input: { panel: 'src/panel/panel.html' } },
    },
  }
})
