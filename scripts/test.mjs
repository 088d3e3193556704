// `npm test`: installs what the tests need, then runs every check and test, and ends with
// one summary line. Steps after a failure still run, so one run shows every problem.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { ensureBuild, ensureDebianPackages, ensureNodeModules, root } from './ensure.mjs'

const started = Date.now()
// Not test-results/: Playwright empties that folder when it starts.
const results = join(root, 'test-summary')
rmSync(results, { recursive: true, force: true })
mkdirSync(results, { recursive: true })

ensureNodeModules()
ensureDebianPackages(['chromium'], 'the Playwright browser tests')
ensureBuild()

const failures = []
function step(name, cmd, args, env = {}) {
  console.log(`\n=== ${name}`)
  const t = Date.now()
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } })
  console.log(`=== ${name}: ${r.status === 0 ? 'ok' : 'FAILED'} (${((Date.now() - t) / 1000).toFixed(1)} s)`)
  if (r.status !== 0) failures.push(name)
}

const npx = (bin) => join(root, 'node_modules', '.bin', bin)
step('lint', npx('eslint'), ['.'])
step('typecheck', 'npm', ['run', '--silent', 'typecheck'])
step('vitest (unit + lab)', npx('vitest'), ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${join(results, 'vitest.json')}`])
step('playwright (browser, electron)', npx('playwright'), ['test'], { PLAYWRIGHT_JSON_OUTPUT_NAME: join(results, 'playwright.json') })

const read = (file) => (existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined)
const vitest = read(join(results, 'vitest.json'))
const playwright = read(join(results, 'playwright.json'))
const passed = (vitest?.numPassedTests ?? 0) + (playwright?.stats?.expected ?? 0) + (playwright?.stats?.flaky ?? 0)
const failed = (vitest?.numFailedTests ?? 0) + (playwright?.stats?.unexpected ?? 0)
const skipped = (vitest?.numPendingTests ?? 0) + (vitest?.numTodoTests ?? 0) + (playwright?.stats?.skipped ?? 0)
if (!vitest) failures.push('vitest wrote no results')
if (!playwright) failures.push('playwright wrote no results')

console.log(`\nnpm test took ${((Date.now() - started) / 60000).toFixed(1)} min${failures.length ? `; failed steps: ${failures.join(', ')}` : ''}`)
console.log(`tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`)
process.exit(failures.length || failed ? 1 : 0)
