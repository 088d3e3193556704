// Fault verbs on one host. Each takes a host name (or LabHost) and reads the lab state itself,
// so tests and the CLI call them alike.
import * as loopback from './loopback'
import * as netns from './netns'
import { LabError } from './run'
import { findHost, readLab, type Lab, type LabHost } from './state'

type HostRef = string | LabHost

function netnsHost(host: HostRef, verb: string, lab: Lab): LabHost {
  if (lab.mode !== 'netns') throw new LabError(`${verb} needs netns mode (this lab runs in ${lab.mode} mode)`)
  return findHost(lab, host)
}

/**
 * kill -9 of every process of the host (sshd, PostgreSQL, sessions): every process crashed, but
 * the kernel lives on, so its address still answers (TCP resets, ARP). For a dead box: powerOff.
 */
export async function kill(host: HostRef, lab = readLab()) {
  const h = findHost(lab, host)
  await (lab.mode === 'netns' ? netns.killHost(h) : loopback.killHost(h))
}

/**
 * A reboot: kill what runs, then sshd and the enabled units come back. PostgreSQL is not started
 * (unless a unit starts it). Network faults (cut, block) live in the netns, outside the reboot,
 * and stay until healed / unblocked.
 */
export async function restart(host: HostRef, lab = readLab()) {
  const h = findHost(lab, host)
  if (lab.mode === 'netns') {
    await netns.killHost(h)
    await netns.bootHost(h)
  } else {
    await loopback.killHost(h)
    await loopback.startSshd(h)
  }
}

/**
 * A power cut: every process killed AND the link down, so nothing answers at the host's address
 * (a TCP connect times out, ARP gets no reply), as with a dead box. Undo with powerOn.
 */
export async function powerOff(host: HostRef, lab = readLab()) {
  const h = netnsHost(host, 'power-off', lab)
  await netns.setLink(h, false)
  await netns.killHost(h)
}

/**
 * Power back: the host boots (sshd answers as soon as the link is up), the link comes up, then the
 * units enabled through its systemctl stand-in start (with the network, as after
 * network-online.target). Nothing else is started.
 */
export async function powerOn(host: HostRef, lab = readLab()) {
  const h = netnsHost(host, 'power-on', lab)
  const off = !netns.holderPid(h)
  if (off) await netns.bootHost(h, { units: false })
  await netns.setLink(h, true)
  if (off) await netns.startEnabledUnits(h)
}

/** Pulls the host's network cable: nobody reaches it, it reaches nobody; processes keep running. */
export const cut = (host: HostRef, lab = readLab()) => netns.setLink(netnsHost(host, 'cut', lab), false)
export const heal = (host: HostRef, lab = readLab()) => netns.setLink(netnsHost(host, 'heal', lab), true)

/** Refuses one TCP port inside the host (new and open connections get a reset). */
export const block = (host: HostRef, port: number, lab = readLab()) => netns.blockPort(netnsHost(host, 'block', lab), port)
export const unblock = (host: HostRef, port: number, lab = readLab()) => netns.unblockPort(netnsHost(host, 'unblock', lab), port)

/** Undoes any fault: link up, no port blocked, sshd running (booting the host only if it is down). */
export async function resetHost(host: HostRef, lab = readLab()) {
  const h = findHost(lab, host)
  if (lab.mode === 'loopback') {
    if (!loopback.sshdPid(h)) await loopback.startSshd(h)
    return
  }
  await netns.setLink(h, true)
  await netns.unblockAll(h)
  if (!netns.sshdPid(h)) await netns.startSshd(h) // boots the host if its namespaces are gone
}

export interface HostStatus {
  name: string
  address: string
  port: number
  /** netns mode: the host's namespaces are alive (false after kill). */
  up: boolean
  sshd: boolean
  linkUp: boolean
  blockedPorts: number[]
}

export async function hostStatus(host: HostRef, lab = readLab()): Promise<HostStatus> {
  const h = findHost(lab, host)
  const base = { name: h.name, address: h.address, port: h.port }
  if (lab.mode === 'loopback') {
    const sshd = loopback.sshdPid(h) !== undefined
    return { ...base, up: sshd, sshd, linkUp: true, blockedPorts: [] }
  }
  const up = netns.holderPid(h) !== undefined
  return {
    ...base,
    up,
    sshd: netns.sshdPid(h) !== undefined,
    linkUp: await netns.linkUp(h),
    blockedPorts: await netns.blockedPorts(h),
  }
}
