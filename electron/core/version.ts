// Replaced at build time by esbuild/electron-vite `define`; falls back for tests run from source.
declare const __REPLICADESK_VERSION__: string | undefined
export const version: string = typeof __REPLICADESK_VERSION__ === 'string' ? __REPLICADESK_VERSION__ : '0.0.0-dev'
