import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import vue from '@vitejs/plugin-vue'
import { defineConfig } from 'electron-vite'

const here = import.meta.dirname
const { version } = JSON.parse(readFileSync(resolve(here, 'package.json'), 'utf8')) as { version: string }

export default defineConfig({
  main: {
    define: { __REPLICADESK_VERSION__: JSON.stringify(version) },
    build: {
      outDir: 'out/main',
      rollupOptions: { input: { index: resolve(here, 'electron/main/index.ts') } },
    },
  },
  preload: {
    // A sandboxed preload cannot load modules: bundle everything into one CommonJS file.
    build: {
      outDir: 'out/preload',
      isolatedEntries: true,
      externalizeDeps: false,
      rollupOptions: {
        input: { index: resolve(here, 'electron/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(here, 'renderer'),
    base: './',
    plugins: [vue()],
    build: {
      outDir: resolve(here, 'out/renderer'),
      rollupOptions: { input: resolve(here, 'renderer/index.html') },
    },
  },
})
