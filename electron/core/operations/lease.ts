// The cluster lease: one operation per cluster across every ReplicaDesk instance. Taken on a
// majority of the members before the first step, renewed while the operation runs, released
// at the end. Expiry is judged by each member's own clock; this side only measures how long
// ago (on its monotonic clock) each member last granted it, so a wrong clock here cannot
// make two instances believe they both hold the cluster.
import { AppError, toErrorData, type ErrorData } from '../../../shared/errors'
import { leaseScript, parseLeaseReply, type LeaseMode, type LeaseReply } from './lease-script'
import type { RemoteRunner } from './types'

export const DEFAULT_LEASE_ROOT = '/var/lib/replicadesk/leases'

export interface LeaseConfig {
  /** Directory holding the lease dirs on each member (outside any data dir). */
  root?: string | ((host: string) => string)
  ttlSeconds?: number
  /** Default: a quarter of the ttl. */
  renewEveryMs?: number
  /** Run the lease commands through sudo -n (as root, or as the named user); per host where logins differ. */
  sudo?: boolean | string | ((host: string) => boolean | string | undefined)
  timeoutMs?: number
  /** A mutex older than this (member's clock) was left by a killed script. */
  mutexStaleSeconds?: number
  /** Monotonic milliseconds. */
  clock?: () => number
}

export interface LeaseRequest extends LeaseConfig {
  remote: RemoteRunner
  clusterId: string
  members: readonly string[]
  instanceId: string
  operationId: string
}

export interface LeaseHolder {
  host: string
  instanceId: string
  operationId: string
  /** Seconds left by that member's clock. */
  expiresInSeconds: number
}

const safeName = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/
const BUSY_RETRIES = 20
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export const majorityOf = (n: number) => Math.floor(n / 2) + 1

type MemberAnswer = { host: string; startedAt: number } & ({ reply: LeaseReply } | { error: ErrorData })

async function ask(req: LeaseRequest, host: string, mode: LeaseMode): Promise<MemberAnswer> {
  const clock = req.clock ?? (() => performance.now())
  const root = typeof req.root === 'function' ? req.root(host) : (req.root ?? DEFAULT_LEASE_ROOT)
  const ttl = String(req.ttlSeconds ?? 60)
  const argv = ['sh', '-c', leaseScript, 'sh', mode, root, req.clusterId, req.instanceId, req.operationId, ttl, String(req.mutexStaleSeconds ?? 30)]
  for (let attempt = 0; ; attempt++) {
    const startedAt = clock()
    try {
      const out = await req.remote.run(host, argv, { timeoutMs: req.timeoutMs ?? 10_000, sudo: typeof req.sudo === 'function' ? req.sudo(host) : req.sudo })
      const reply = out.code === 0 ? parseLeaseReply(out.stdout) : undefined
      if (!reply) {
        const why = out.stderr.trim().split('\n').slice(-3).join(' ') || out.stdout.trim().slice(0, 200) || `exit code ${out.code}`
        return { host, startedAt, error: { code: 'command_failed', message: `The cluster lease command failed on ${host}: ${why}. Check that the login user may create ${root}.` } }
      }
      // Another script is inside the member's mutex for a few milliseconds: ask again.
      if (reply.kind === 'busy' && attempt < BUSY_RETRIES) {
        await sleep(20 + Math.random() * 60)
        continue
      }
      return { host, startedAt, reply }
    } catch (err) {
      return { host, startedAt, error: toErrorData(err) }
    }
  }
}

function validate(req: LeaseRequest): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/.test(req.clusterId)) {
    throw new AppError('invalid_input', `"${req.clusterId}" cannot name a cluster lease: use letters, digits, dots, dashes or underscores.`)
  }
  for (const [what, value] of [['instance id', req.instanceId], ['operation id', req.operationId]] as const) {
    if (!safeName.test(value)) throw new AppError('invalid_input', `The ${what} "${value}" cannot be written to a lease.`)
  }
  if (req.members.length === 0) throw new AppError('invalid_input', `Cluster ${req.clusterId} has no members to take a lease on.`)
}

function describeHolders(holders: LeaseHolder[]): string {
  const byOwner = new Map<string, LeaseHolder[]>()
  for (const h of holders) byOwner.set(`${h.instanceId} ${h.operationId}`, [...(byOwner.get(`${h.instanceId} ${h.operationId}`) ?? []), h])
  return [...byOwner.values()]
    .map((hs) => {
      const first = hs[0]!
      const owner = first.instanceId === '-' ? 'a ReplicaDesk that was stopped while taking the lease' : `ReplicaDesk instance "${first.instanceId}" (operation ${first.operationId})`
      const until = hs.map((h) => `${h.expiresInSeconds} s by ${h.host}'s clock`).join(', ')
      return `${hs.map((h) => h.host).join(', ')} ${hs.length > 1 ? 'are' : 'is'} held by ${owner}, expiring in ${until} unless renewed`
    })
    .join('; ')
}

const SPLIT_RETRIES = 5

/** Members held by others, but by no single owner with a majority: a split between requesters. */
function isSplit(answers: MemberAnswer[], members: number): boolean {
  const owners = new Map<string, number>()
  for (const a of answers) {
    if (!('reply' in a) || a.reply.kind !== 'held') continue
    const key = `${a.reply.instanceId} ${a.reply.operationId}`
    owners.set(key, (owners.get(key) ?? 0) + 1)
  }
  return owners.size > 0 && [...owners.values()].every((n) => n < majorityOf(members))
}

function refusal(req: LeaseRequest, answers: MemberAnswer[], granted: number): AppError {
  const need = majorityOf(req.members.length)
  const holders: LeaseHolder[] = []
  const failures: string[] = []
  let firstError: ErrorData | undefined
  for (const a of answers) {
    if ('error' in a) {
      failures.push(a.error.message)
      firstError ??= a.error
    } else if (a.reply.kind === 'held') {
      holders.push({ host: a.host, instanceId: a.reply.instanceId, operationId: a.reply.operationId, expiresInSeconds: Math.max(0, a.reply.expiry - a.reply.now) })
    } else if (a.reply.kind === 'busy') {
      failures.push(`${a.host} stayed busy with other lease requests`)
    }
  }
  const head = `Cannot start an operation on cluster ${req.clusterId}: ${granted} of ${req.members.length} members granted the cluster lease, ${need} are needed.`
  const detail = { holders, failures }
  if (holders.length > 0) {
    const also = failures.length ? ` Also: ${failures.join('; ')}` : ''
    return new AppError('conflict', `${head} ${describeHolders(holders)}. Wait for that operation to finish, or resume or abandon it from that instance.${also}`, detail)
  }
  return new AppError(firstError?.code ?? 'conflict', `${head} ${failures.join('; ')}`, detail)
}

export class ClusterLease {
  private readonly validUntil = new Map<string, number>()
  private timer: ReturnType<typeof setInterval> | undefined
  private renewing = false
  private lostError: AppError | undefined

  private constructor(private readonly req: LeaseRequest, granted: MemberAnswer[]) {
    for (const a of granted) this.record(a)
  }

  /** Takes the lease on a majority of the members, or throws naming who holds it. */
  static async acquire(req: LeaseRequest): Promise<ClusterLease> {
    validate(req)
    for (let round = 1; ; round++) {
      const answers = await Promise.all(req.members.map((h) => ask(req, h, 'acquire')))
      const granted = answers.filter((a) => 'reply' in a && a.reply.kind === 'granted')
      if (granted.length >= majorityOf(req.members.length)) return new ClusterLease(req, granted)
      // Not enough: give back what was granted, so whoever holds the rest is not blocked by us.
      await Promise.all(granted.map((a) => ask(req, a.host, 'release')))
      // Requests that started together can split the members so that nobody has a majority:
      // all of them gave back their part; try again after a random pause.
      if (round < SPLIT_RETRIES && isSplit(answers, req.members.length)) {
        await sleep(Math.random() * 150 * round)
        continue
      }
      throw refusal(req, answers, granted.length)
    }
  }

  /** Members that granted the lease and whose grant has not run out (by our clock). */
  get heldOn(): string[] {
    const now = this.now()
    return [...this.validUntil].filter(([, until]) => until > now).map(([host]) => host)
  }

  /** Set once the lease can no longer be trusted; the operation must stop. */
  get lost(): AppError | undefined {
    return this.lostError
  }

  /** Renews on every member that granted it; throws (and stays lost) below a majority. */
  async renew(): Promise<void> {
    if (this.lostError) throw this.lostError
    const answers = await Promise.all([...this.validUntil.keys()].map((h) => ask(this.req, h, 'renew')))
    for (const a of answers) this.record(a)
    this.checkMajority(0)
    if (this.lostError) throw this.lostError
  }

  /** Renews in the background; `onLost` fires once if the majority cannot be kept. */
  keepAlive(onLost: (err: AppError) => void): void {
    const every = this.req.renewEveryMs ?? ((this.req.ttlSeconds ?? 60) * 1000) / 4
    this.timer = setInterval(() => {
      // Judge before renewing: a grant that could run out before the next tick is gone.
      if (this.checkMajority(every)) {
        this.stop()
        onLost(this.lostError!)
        return
      }
      if (this.renewing) return
      this.renewing = true
      this.renew()
        .catch(() => {
          this.stop()
          onLost(this.lostError!)
        })
        .finally(() => (this.renewing = false))
    }, every)
    this.timer.unref?.()
  }

  /** Gives the lease back on every member (those we never held answer "released" too). */
  async release(): Promise<void> {
    this.stop()
    await Promise.all(this.req.members.map((h) => ask(this.req, h, 'release')))
    this.validUntil.clear()
  }

  private stop(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = undefined
  }

  private record(a: MemberAnswer): void {
    if ('error' in a) return // keep the last grant: it is still valid for its remaining time
    if (a.reply.kind === 'granted') this.validUntil.set(a.host, a.startedAt + (a.reply.expiry - a.reply.now) * 1000)
    else if (a.reply.kind === 'lost') this.validUntil.set(a.host, -Infinity)
  }

  /** True (and lost set) when fewer than a majority stay valid `marginMs` from now. */
  private checkMajority(marginMs: number): boolean {
    if (this.lostError) return true
    const limit = this.now() + marginMs
    const valid = [...this.validUntil.values()].filter((until) => until > limit).length
    if (valid >= majorityOf(this.req.members.length)) return false
    this.lostError = new AppError(
      'conflict',
      `Lost the lease on cluster ${this.req.clusterId}: only ${valid} of ${this.req.members.length} members still grant it to this ReplicaDesk (members unreachable, or their clocks ran out the lease). The operation stopped; resume it once the members are reachable.`,
      { clusterId: this.req.clusterId, valid },
    )
    return true
  }

  private now(): number {
    return (this.req.clock ?? (() => performance.now()))()
  }
}
