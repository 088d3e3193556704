// The page of the renderer status bench (e2e/bench/renderer-status.bench.ts): the real status
// store and ClusterStatusPanel, the app's styles and CSP, and a core that is a few functions in
// this page (status.get, status.history, and statusChanged events it emits on demand). The
// bench drives it through window.__statusBench. Not part of the app: the app never imports it.
import '../../zodConfig'
import 'element-plus/dist/index.css'
import '../../styles/app.css'
import { createPinia } from 'pinia'
import { createApp, h, nextTick } from 'vue'
import { createClient, type Transport } from '../../../../shared/client'
import type { ClusterStatus, MemberStatus, StatusEvent } from '../../../../shared/status'
import type { Reply } from '../../../../shared/wire'
import { alwaysConnected } from '../../bridge/connection'
import ClusterStatusPanel from '../../components/status/ClusterStatusPanel.vue'
import { init } from '../../components/status/echarts'
import { provideBridge } from '../../stores/bridge'
import { useStatusStore } from '../../stores/status'
import { applyDiff } from '../apply'
import { chartedMembers, lagChartOption, planLines } from '../chart'
import { LagHistory } from '../history'
import { bigCluster, historyOf } from './fixtures'

const CLUSTER = 'bench'
type Kind = 'all' | 'one' | 'down' | 'up'

let truth: ClusterStatus = bigCluster(3, CLUSTER)
let tick = 0
let lsn = 0x5000000
const listeners = new Set<(name: string, payload: unknown) => void>()
const hex = (n: number) => `0/${n.toString(16).toUpperCase()}`

const transport: Transport = {
  async call(method): Promise<Reply> {
    if (method === 'status.get') return { ok: true, value: truth }
    if (method === 'status.history') return { ok: true, value: historyOf(truth, 900, Date.parse(truth.at)) }
    return { ok: false, error: { code: 'not_found', message: `${method} is not in the bench` } }
  },
  onEvent(listener) {
    listeners.add(listener)
    return () => listeners.delete(listener)
  },
}

function emit(e: StatusEvent): void {
  for (const l of listeners) l('statusChanged', JSON.parse(JSON.stringify(e)))
}

/** The next diff of a kind, applied to the truth as the core would have. */
function nextDiff(kind: Kind): StatusEvent {
  tick++
  lsn += 0x3000 + (tick % 7) * 0x100
  const at = new Date(Date.parse(truth.at) + 1000).toISOString()
  const members: { name: string; changes: Partial<MemberStatus> }[] = []
  const standbys = truth.members.filter((m) => m.role === 'standby')
  if (kind === 'all') {
    members.push({ name: truth.members[0]!.name, changes: { currentLsn: hex(lsn) } })
    standbys.forEach((m, i) => {
      const behind = ((tick * 7919 + i * 104729) % 50) * 0x200
      members.push({ name: m.name, changes: { receiveLsn: hex(lsn - (behind >> 1)), replayLsn: hex(lsn - behind), lagBytes: behind, lagSeconds: behind ? Number((behind / 4e6).toFixed(3)) : 0 } })
    })
  } else if (kind === 'one') {
    const m = standbys[tick % standbys.length]!
    members.push({ name: m.name, changes: { lagBytes: (tick % 9) * 1000, lagSeconds: (tick % 9) / 10 } })
  } else {
    const m = standbys[Math.floor(standbys.length / 2)]!
    members.push({
      name: m.name,
      changes:
        kind === 'down'
          ? { state: 'down', down: { code: 'ssh_unreachable', reason: `${m.name} on ${m.host}: host unreachable over SSH. connection reset`, since: at }, stale: true, lagBytes: null, lagSeconds: null }
          : { state: 'up', down: null, stale: false, lagBytes: 0, lagSeconds: 0 },
    })
  }
  const e: StatusEvent = { kind: 'diff', cluster: CLUSTER, seq: truth.seq + 1, at, members }
  truth = applyDiff(truth, { ...e, members })
  return e
}

const frame = () => new Promise<void>((r) => requestAnimationFrame(() => setTimeout(r, 0)))

const api = {
  /** A cluster of n members (a primary and n − 1 standbys) with 15 minutes of history, mounted. */
  async setup(n: number): Promise<{ members: number; cards: number; topology: number }> {
    truth = { ...bigCluster(n, CLUSTER), at: new Date().toISOString(), seq: 1 }
    const app = createApp({ render: () => h('main', { class: 'content' }, [h(ClusterStatusPanel, { cluster: CLUSTER })]) })
    app.use(createPinia()).mount('#app')
    const store = useStatusStore()
    for (let i = 0; i < 200 && !(store.statusOf(CLUSTER) && (store.historyOf(CLUSTER).history?.length ?? 0) > 100); i++) await frame()
    await frame()
    return { members: truth.members.length, cards: document.querySelectorAll('[data-testid="member-card"]').length, topology: document.querySelectorAll('[data-testid="topology-node"]').length }
  },

  /**
   * One update: the event into the client (schema check) and the store (apply), Vue's DOM
   * patch, then a forced style and layout; with the DOM nodes it touched.
   */
  async measure(kind: Kind): Promise<{ apply: number; dom: number; layout: number; mutations: number; cardsTouched: number }> {
    const e = nextDiff(kind)
    const touched = new Set<string>()
    let mutations = 0
    const mo = new MutationObserver((records) => {
      mutations += records.length
      for (const r of records) {
        const card = (r.target instanceof Element ? r.target : r.target.parentElement)?.closest('[data-testid="member-card"]')
        if (card) touched.add(card.getAttribute('data-member') ?? '')
      }
    })
    mo.observe(document.getElementById('app')!, { subtree: true, childList: true, characterData: true, attributes: true })
    const t0 = performance.now()
    emit(e)
    const t1 = performance.now()
    await nextTick()
    const t2 = performance.now()
    void document.body.offsetHeight
    const t3 = performance.now()
    await new Promise((r) => setTimeout(r, 0))
    mo.disconnect()
    return { apply: t1 - t0, dom: t2 - t0, layout: t3 - t0, mutations, cardsTouched: touched.size }
  },

  /** Sends one update of a kind without measuring (for sustained runs measured from outside). */
  send(kind: Kind): void {
    emit(nextDiff(kind))
  },

  /** What the page shows: card states and the chart's last drawing. */
  shown(): { down: string[]; chartDraws: number; chartRows: number; chartSeries: number } {
    const chart = document.querySelector('[data-testid="status-lag-chart"]')
    return {
      down: [...document.querySelectorAll('[data-testid="member-card"][data-state="down"]')].map((c) => c.getAttribute('data-member') ?? ''),
      chartDraws: Number(chart?.getAttribute('data-draws') ?? 0),
      chartRows: Number(chart?.getAttribute('data-rows') ?? 0),
      chartSeries: (chart?.getAttribute('data-lines') ?? '').split(',').filter(Boolean).length,
    }
  },

  /** The chart alone, as LagChart draws it: one redraw of 15 minutes of history, on a canvas of the panel's size. */
  chart(rounds: number): { first: number; redraws: number[] } {
    const el = document.createElement('div')
    el.style.width = '1216px'
    el.style.height = '300px'
    document.body.append(el)
    const chart = init(el, undefined, { renderer: 'canvas' })
    const names = truth.members.map((m) => m.name)
    const hist = LagHistory.forWindow(names, 1000)
    hist.load(historyOf(truth, 900, Date.parse(truth.at)))
    const shown = chartedMembers(truth.members, truth.primary)
    let t = performance.now()
    chart.setOption(lagChartOption(hist, planLines(hist, shown)))
    chart.getZr().flush()
    const first = performance.now() - t
    const redraws: number[] = []
    for (let i = 0; i < rounds; i++) {
      truth = { ...truth, at: new Date(Date.parse(truth.at) + 1000).toISOString() }
      hist.pushStatus(Date.parse(truth.at), truth)
      t = performance.now()
      chart.setOption(lagChartOption(hist, planLines(hist, shown)), { lazyUpdate: false })
      chart.getZr().flush()
      redraws.push(performance.now() - t)
    }
    chart.dispose()
    el.remove()
    return { first, redraws }
  },
}

provideBridge({ client: createClient(transport), connection: alwaysConnected() })
;(window as unknown as { __statusBench: typeof api }).__statusBench = api
document.documentElement.dataset.ready = 'true'
