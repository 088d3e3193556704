// What `npm start` and `npm test` need before they run: npm packages, Debian packages and a
// current build. Each step installs only what is missing and says what it does.
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const root = join(dirname(fileURLToPath(import.meta.url)), '..')

export function run(cmd, args, opts = {}) {
  const result = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts })
  if (result.status !== 0) {
    throw new Error(`\`${[cmd, ...args].join(' ')}\` failed (exit ${result.status ?? result.signal}).`)
  }
}

const mtime = (p) => (existsSync(p) ? statSync(p).mtimeMs : 0)

export function ensureNodeModules() {
  const marker = join(root, 'node_modules', '.package-lock.json')
  if (mtime(marker) >= mtime(join(root, 'package-lock.json'))) return
  console.log('Installing npm packages (npm ci)…')
  run('npm', ['ci', '--no-audit', '--no-fund'])
}

const isDebianRoot = () => process.platform === 'linux' && process.getuid?.() === 0 && existsSync('/usr/bin/apt-get')

function missingDebianPackages(names) {
  return names.filter((name) => {
    const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', name], { encoding: 'utf8' })
    return r.status !== 0 || !r.stdout.includes('install ok installed')
  })
}

/** Installs Debian packages when missing (root on Debian), else fails with the exact command to run. */
export function ensureDebianPackages(names, why) {
  const missing = missingDebianPackages(names)
  if (missing.length === 0) return
  const command = `apt-get update && apt-get install -y --no-upgrade ${missing.join(' ')}`
  if (!isDebianRoot()) throw new Error(`${why} needs the packages ${missing.join(', ')}. Install them: sudo sh -c '${command}'`)
  console.log(`Installing ${missing.join(', ')} for ${why}…`)
  run('apt-get', ['update', '-q'])
  run('apt-get', ['install', '-y', '-q', '--no-upgrade', ...missing], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } })
}

function newestSource(dir) {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules') continue
    const p = join(dir, entry.name)
    newest = Math.max(newest, entry.isDirectory() ? newestSource(p) : mtime(p))
  }
  return newest
}

/** Rebuilds out/ when any source is newer than the last build. */
export function ensureBuild({ force = false } = {}) {
  const built = Math.min(mtime(join(root, 'out', 'renderer', 'index.html')), mtime(join(root, 'out', 'server', 'index.mjs')), mtime(join(root, 'out', 'main', 'index.js')))
  const sources = Math.max(...['electron', 'renderer', 'shared'].map((d) => newestSource(join(root, d))), mtime(join(root, 'package-lock.json')))
  if (!force && built > sources) return
  console.log('Building (electron-vite + esbuild)…')
  run('npm', ['run', 'build', '--silent'])
}

/**
 * The Electron binary, when this machine has one. Checked by hand: require('electron') would
 * try to download it, which needs the internet.
 */
export function electronBinary() {
  const pkg = join(root, 'node_modules', 'electron')
  const pathTxt = join(pkg, 'path.txt')
  const defaultExe = { win32: 'electron.exe', darwin: 'Electron.app/Contents/MacOS/Electron' }[process.platform] ?? 'electron'
  const exeName = existsSync(pathTxt) ? readFileSync(pathTxt, 'utf8').trim() : defaultExe
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH
  const exe = override ? join(override, exeName) : join(pkg, 'dist', exeName)
  if (existsSync(exe)) return { path: exe }
  return {
    missing: override
      ? `ELECTRON_OVERRIDE_DIST_PATH has no Electron executable at ${exe}`
      : 'the electron package downloads its binary on first use, which needs the internet; set ELECTRON_OVERRIDE_DIST_PATH to an unpacked Electron',
  }
}
