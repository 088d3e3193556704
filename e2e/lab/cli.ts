// `npm run lab -- <verb>`: the lab from a shell, for developers and CI scripts.
import { parseArgs } from 'node:util'
import { execInteractive } from './exec'
import { block, cut, heal, hostStatus, kill, powerOff, powerOn, resetHost, restart, unblock } from './faults'
import { LabError } from './run'
import { listRuns } from './runs'
import { aptRequests } from './standins'
import { readLab, statePath, type Lab } from './state'
import { labDown, labUp } from './up'

const usage = `usage: npm run lab -- <verb>
  up [--hosts N] [--sudo-password-host NAME]… [--sshd-option '[HOST:]Keyword value']… [--mode auto|netns|loopback]
     [--bare-host NAME]… [--same-machine-id HOST=HOST[=HOST…]]…
                          fresh lab (cleans any earlier run first); NAME outside host1…hostN adds a host.
                          Every host has its own /etc/machine-id (--same-machine-id shares one on purpose)
                          and a systemctl stand-in (sudo -n systemctl start|stop|restart|enable|disable|
                          is-active|is-enabled|daemon-reload|status|show for units in /etc/systemd/system
                          and /lib/systemd/system; enabled units start at boot). A bare host has no
                          PostgreSQL until \`sudo -n apt-get install -y postgresql-15\` runs on it.
  down [--all]            remove this lab (state file) and crashed runs; --all: every lab on the machine
  status [--json]         hosts, addresses, fingerprints, faults in force
  kill HOST               kill -9 every process of the host (kernel alive: its address still answers)
  power-off HOST          kill every process AND take the link down: nothing answers (a dead box)
  power-on HOST           the host boots (sshd), link up, then its enabled units; nothing else
  restart HOST            reboot: kill, then sshd and enabled units back (PostgreSQL not started)
  cut HOST | heal HOST    link down / up
  block HOST PORT | unblock HOST PORT
  reset HOST              heal + unblock all + sshd back if it is down
  exec HOST [--user U] -- ARGV…   run a command inside the host (root by default)
  apt-requests HOST       what was asked of a bare host's apt-get, one request a line`

const say = (msg: string) => console.log(msg)

async function up(args: string[]) {
  const { values } = parseArgs({
    args,
    options: {
      hosts: { type: 'string', default: '3' },
      'sudo-password-host': { type: 'string', multiple: true, default: [] },
      'sshd-option': { type: 'string', multiple: true, default: [] },
      mode: { type: 'string', default: 'auto' },
      'bare-host': { type: 'string', multiple: true, default: [] },
      'same-machine-id': { type: 'string', multiple: true, default: [] },
    },
  })
  if (!['auto', 'netns', 'loopback'].includes(values.mode)) throw new LabError(`--mode must be auto, netns or loopback`)
  const sshdOptions: Record<string, string[]> = {}
  for (const opt of values['sshd-option']) {
    // "host2:MaxSessions 2" for one host, "MaxSessions 2" for all.
    const m = /^([a-z][a-z0-9-]*):(.+)$/.exec(opt)
    const [host, line] = m ? [m[1]!, m[2]!] : ['*', opt]
    ;(sshdOptions[host] ??= []).push(line.trim())
  }
  const lab = await labUp({
    hosts: Number(values.hosts),
    sudoPasswordHosts: values['sudo-password-host'],
    sshdOptions,
    bareHosts: values['bare-host'],
    sameMachineId: values['same-machine-id'].map((g) => g.split('=')),
    mode: values.mode as 'auto' | 'netns' | 'loopback',
    log: say,
    persistent: true, // outlives this command, until `down`
  })
  await printStatus(lab)
}

async function printStatus(lab: Lab, json = false) {
  const rows = await Promise.all(lab.hosts.map((h) => hostStatus(h, lab)))
  if (json) return say(JSON.stringify({ ...lab, status: rows }, null, 2))
  say(`lab ${lab.prefix} (${lab.mode}), subnet ${lab.subnet}, state ${statePath()} (REPLICADESK_LAB_STATE)`)
  say(`client key ${lab.clientKeyPath}; known_hosts ${lab.knownHostsPath}`)
  say(`try: ssh -F ${lab.sshConfigPath} ${lab.hosts[0]?.name}    (users: ${lab.users.postgres}, ${lab.users.admin})`)
  for (const h of lab.hosts) {
    const s = rows.find((r) => r.name === h.name)!
    const faults = [!s.up && 'DOWN', s.up && !s.sshd && 'no-sshd', !s.linkUp && 'CUT', s.blockedPorts.length && `blocked:${s.blockedPorts.join(',')}`]
    const flags = [h.sudoAsksPassword && 'sudo-asks-password', h.bare && 'bare', ...faults].filter(Boolean).join(' ')
    say(`  ${h.name.padEnd(8)} ${`${h.address}:${h.port}`.padEnd(17)} ${h.hostKeyFingerprint} ${flags}`)
  }
}

async function main(argv: string[]): Promise<number> {
  const [verb, ...rest] = argv
  const host = rest[0]
  const needHost = () => {
    if (!host || host.startsWith('-')) throw new LabError(`${verb} needs a host name\n${usage}`)
    return host
  }
  const port = () => {
    const p = Number(rest[1])
    if (!Number.isInteger(p) || p < 1 || p > 65535) throw new LabError(`${verb} needs HOST PORT\n${usage}`)
    return p
  }
  switch (verb) {
    case 'up':
      await up(rest)
      return 0
    case 'down': {
      const removed = await labDown({ all: rest.includes('--all') })
      say(removed.length ? `removed: ${removed.join(', ')}` : 'no lab was up')
      const others = listRuns()
      if (others.length) say(`still up (other state files; \`down --all\` removes them): ${others.map((r) => `${r.prefix} → ${r.statePath}`).join(', ')}`)
      return 0
    }
    case 'status':
      await printStatus(readLab(), rest.includes('--json'))
      return 0
    case 'kill':
      await kill(needHost())
      break
    case 'power-off':
      await powerOff(needHost())
      break
    case 'power-on':
      await powerOn(needHost())
      break
    case 'restart':
      await restart(needHost())
      break
    case 'cut':
      await cut(needHost())
      break
    case 'heal':
      await heal(needHost())
      break
    case 'block':
      await block(needHost(), port())
      break
    case 'unblock':
      await unblock(needHost(), port())
      break
    case 'reset':
      await resetHost(needHost())
      break
    case 'apt-requests':
      for (const line of aptRequests(needHost())) say(line)
      return 0
    case 'exec': {
      const sep = rest.indexOf('--')
      const opts = sep < 0 ? [] : rest.slice(1, sep)
      const cmd = sep < 0 ? [] : rest.slice(sep + 1)
      const user = parseArgs({ args: opts, options: { user: { type: 'string', short: 'u' } } }).values.user
      if (cmd.length === 0) throw new LabError(`exec needs: HOST [--user U] -- ARGV…`)
      return execInteractive(needHost(), cmd, { user })
    }
    default:
      say(usage)
      return verb === undefined || verb === 'help' || verb === '--help' ? 0 : 2
  }
  say(`${verb} ${rest.join(' ')}: done`)
  return 0
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof LabError ? `lab: ${err.message}` : err)
    process.exit(1)
  },
)
