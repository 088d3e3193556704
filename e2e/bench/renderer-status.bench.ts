// Renderer live-status benchmark (prints numbers; not a test). Run: npx tsx e2e/bench/renderer-status.bench.ts
// How long the renderer takes to apply one status update for a cluster of 50 members, in
// headless Chromium (/usr/bin/chromium) under the app's CSP.
//
// What runs: a page built from the real status store and ClusterStatusPanel (topology, member
// cards, lag chart) with the app's styles (renderer/src/status/testing/benchHarness.ts,
// e2e/bench/renderer-status-harness.html), fed by a stand-in core inside the page: status.get
// and status.history answer from a generated cluster, statusChanged diffs are emitted on
// demand. The lab has 3 hosts, so 50 real members are not available; the events are the
// contract's own (schema-checked by the client as in the app), only their source differs.
//
//  1. per update, median / p95 / max over BENCH_ROUNDS (default 60) updates of each kind:
//     all: every member's LSNs and lag change (a cluster under write load);
//     one: one standby's lag changes; down / up: one member goes down (red card, the topology
//     redrawn) and comes back.
//     apply = client schema check + store apply; dom = until Vue patched the DOM; layout = plus
//     a forced style and layout. Also the DOM mutations and member cards each update touched.
//  2. sustained: one `all` update per second for BENCH_SUSTAIN_S (default 20) s, first with the
//     top of the panel on screen (the chart, off screen, does not redraw), then scrolled to the
//     chart (redrawn once per period): main-thread time per update (Chrome's TaskDuration:
//     script, style, layout, paint, GC), and long tasks (> 50 ms).
//  3. the chart alone, as LagChart draws it (10 lines + the others' highest when more standbys):
//     one redraw of 15 minutes of history.
// Env: BENCH_MEMBERS (comma list, default 50), BENCH_ROUNDS, BENCH_SUSTAIN_S.
import { createReadStream, existsSync, mkdirSync, statSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { cpus, loadavg } from 'node:os'
import { extname, join, normalize } from 'node:path'
import { chromium, type Page } from '@playwright/test'
import vue from '@vitejs/plugin-vue'
import { build } from 'vite'

const root = join(import.meta.dirname, '..', '..')
const outDir = join(root, 'node_modules', '.cache', 'rd-renderer-status-bench')
const SIZES = (process.env.BENCH_MEMBERS ?? '50').split(',').map(Number)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 60)
const SUSTAIN_S = Number(process.env.BENCH_SUSTAIN_S ?? 20)
const CHROMIUM = process.env.REPLICADESK_E2E_CHROMIUM ?? '/usr/bin/chromium'

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b)
const pct = (xs: number[], p: number) => sorted(xs)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!
const med = (xs: number[]) => pct(xs, 50)
const f = (x: number) => (x < 10 ? x.toFixed(2) : x.toFixed(1))
const stat = (xs: number[]) => `${f(med(xs))} / ${f(pct(xs, 95))} / ${f(Math.max(...xs))} ms`

const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.woff2': 'font/woff2', '.woff': 'font/woff', '.ttf': 'font/ttf' }

async function buildHarness(): Promise<void> {
  mkdirSync(outDir, { recursive: true })
  await build({
    configFile: false,
    root,
    base: './',
    logLevel: 'warn',
    plugins: [vue()],
    build: { outDir, emptyOutDir: true, rollupOptions: { input: join(root, 'e2e', 'bench', 'renderer-status-harness.html') } },
  })
}

function serve(): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '')
    const file = join(outDir, path)
    if (!file.startsWith(outDir) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end()
      return
    }
    res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' })
    createReadStream(file).pipe(res)
  })
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    const port = (server.address() as { port: number }).port
    resolve({ server, url: `http://127.0.0.1:${port}/e2e/bench/renderer-status-harness.html` })
  }))
}

type Measured = { apply: number; dom: number; layout: number; mutations: number; cardsTouched: number }
interface BenchApi {
  setup(n: number): Promise<{ members: number; cards: number; topology: number }>
  measure(kind: string): Promise<Measured>
  send(kind: string): void
  shown(): { down: string[]; chartDraws: number; chartRows: number; chartSeries: number }
  chart(rounds: number): { first: number; redraws: number[] }
}
// Page-side code below is type-checked with the node config (no DOM lib): the little it touches.
declare const window: { __statusBench: BenchApi; __long: number[] }
declare const document: { querySelector(selector: string): { scrollIntoView(o: { block: string }): void } | null }
declare class PerformanceObserver {
  constructor(cb: (list: { getEntries(): { duration: number }[] }) => void)
  observe(o: { type: string }): void
}

async function metrics(page: Page, cdp: Awaited<ReturnType<ReturnType<Page['context']>['newCDPSession']>>): Promise<Record<string, number>> {
  void page
  const r = (await cdp.send('Performance.getMetrics')) as { metrics: { name: string; value: number }[] }
  return Object.fromEntries(r.metrics.map((m) => [m.name, m.value]))
}

async function benchSize(url: string, n: number): Promise<void> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'] })
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
    const problems: string[] = []
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`))
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`)
    })
    await page.goto(url)
    await page.waitForSelector('html[data-ready="true"]')
    const shape = await page.evaluate((k) => window.__statusBench.setup(k), n)
    console.log(`\n${n} members: ${shape.cards} cards, ${shape.topology} topology members (load avg ${loadavg().map((x) => x.toFixed(2)).join(' ')})`)
    if (shape.cards !== n || shape.topology !== n) throw new Error(`the panel shows ${shape.cards} cards and ${shape.topology} topology members for ${n} members`)

    // 1. single updates
    for (let i = 0; i < 20; i++) await page.evaluate(() => window.__statusBench.measure('all')) // warm-up
    const kinds = ['all', 'one', 'down', 'up'] as const
    const results: Record<string, Measured[]> = { all: [], one: [], down: [], up: [] }
    for (let i = 0; i < ROUNDS; i++) {
      for (const k of kinds) results[k]!.push(await page.evaluate((kind) => window.__statusBench.measure(kind), k))
    }
    console.log(`1. one update, ${ROUNDS} of each kind (median / p95 / max)`)
    console.log('   kind   apply (schema + store)     dom (Vue patch)            layout (style + layout)    mutations  cards touched')
    for (const k of kinds) {
      const r = results[k]!
      console.log(`   ${k.padEnd(6)} ${stat(r.map((x) => x.apply)).padEnd(26)} ${stat(r.map((x) => x.dom)).padEnd(26)} ${stat(r.map((x) => x.layout)).padEnd(26)} ${String(med(r.map((x) => x.mutations))).padStart(9)}  ${String(med(r.map((x) => x.cardsTouched))).padStart(5)} of ${n}`)
    }
    const shownAfter = await page.evaluate(() => window.__statusBench.shown())
    if (shownAfter.down.length) throw new Error(`cards still down after the up updates: ${shownAfter.down.join(', ')}`)

    // 2. sustained, 1 Hz: with the top of the panel on screen (the chart off screen does not
    // redraw), then scrolled to the chart (redrawn once per period)
    const cdp = await page.context().newCDPSession(page)
    await cdp.send('Performance.enable')
    await page.evaluate(() => {
      window.__long = []
      new PerformanceObserver((l) => window.__long.push(...l.getEntries().map((e) => e.duration))).observe({ type: 'longtask' })
    })
    console.log(`2. sustained: one 'all' update per second for ${SUSTAIN_S} s (main thread per update from Chrome's TaskDuration: script, style, layout, paint, GC)`)
    for (const where of ['top', 'chart'] as const) {
      await page.evaluate((w) => {
        const el = w === 'chart' ? document.querySelector('[data-testid="status-lag-chart"]') : document.querySelector('[data-testid="status-panel"]')
        el?.scrollIntoView({ block: w === 'chart' ? 'end' : 'start' })
        window.__long.length = 0
      }, where)
      await page.waitForTimeout(1500)
      const drawsBefore = (await page.evaluate(() => window.__statusBench.shown())).chartDraws
      const before = await metrics(page, cdp)
      const started = Date.now()
      for (let i = 0; i < SUSTAIN_S; i++) {
        await page.evaluate(() => window.__statusBench.send('all'))
        await page.waitForTimeout(Math.max(0, started + (i + 1) * 1000 - Date.now()))
      }
      const after = await metrics(page, cdp)
      const shown = await page.evaluate(() => window.__statusBench.shown())
      const long = await page.evaluate(() => window.__long)
      const d = (k: string) => ((after[k] ?? 0) - (before[k] ?? 0)) * 1000
      const wall = (Date.now() - started) / 1000
      const draws = shown.chartDraws - drawsBefore
      console.log(
        `   ${where === 'top' ? 'topology and cards on screen' : 'scrolled to the chart      '}: ${f(d('TaskDuration') / SUSTAIN_S)} ms per update (style ${f(d('RecalcStyleDuration') / SUSTAIN_S)}, layout ${f(d('LayoutDuration') / SUSTAIN_S)} ms) = ${((100 * d('TaskDuration')) / (wall * 1000)).toFixed(1)} % of one core; chart redrawn ${draws} times${draws ? ` (${shown.chartSeries} lines + one for the others, ${shown.chartRows} rows)` : ''}; long tasks (> 50 ms): ${long.length}${long.length ? `, max ${f(Math.max(...long))} ms` : ''}`,
      )
    }

    // 3. the chart alone
    const c = await page.evaluate((k) => window.__statusBench.chart(k), 15)
    console.log(`3. chart alone as LagChart draws it (${n - 1} standbys, 15 min at 1 s; lines for the ${Math.min(n - 1, 10)} furthest behind${n - 1 > 10 ? ' + one for the others' : ''}, older rows merged per 5 s): first draw ${f(c.first)} ms; redraw after one new row ${stat(c.redraws)}`)
    if (problems.length) throw new Error(`the page reported problems (CSP or errors):\n${problems.join('\n')}`)
    else console.log('   no CSP violation, no page error')
  } finally {
    await browser.close()
  }
}

async function main(): Promise<void> {
  console.log(`renderer status bench: Chromium ${CHROMIUM}, ${cpus().length} cores (${cpus()[0]?.model ?? '?'})`)
  const t = Date.now()
  await buildHarness()
  console.log(`harness built in ${((Date.now() - t) / 1000).toFixed(1)} s (vite, production build)`)
  const { server, url } = await serve()
  try {
    for (const n of SIZES) await benchSize(url, n)
  } finally {
    server.close()
  }
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
