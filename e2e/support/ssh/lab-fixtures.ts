// Shared setup for the *.lab.test.ts files (test code, not used by the app): a service aimed
// at the lab, lab targets, and throwaway login users for the auth and shell tests.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { exec as labExec, readLab, type Lab, type LabHost } from '../../lab'
import { expect } from 'vitest'
import { AppError } from '../../../shared/errors'
import { ActivityLog } from '../../../electron/core/activity/activity-log'
import { createSshService, type SshService, type SshServiceOptions } from '../../../electron/core/ssh/service'
import type { Target } from '../../../electron/core/ssh/target'
import { MemoryTrustStore } from '../../../electron/core/ssh/trust-store'

export interface LabContext {
  lab: Lab
  dir: string
  activity: ActivityLog
  service: (opts?: Partial<SshServiceOptions>) => SshService
  target: (host: LabHost | string, user?: string, extra?: Partial<Target>) => Target
  host: (name: string) => LabHost
}

/** A fresh context per test file; every service it made is closed by `closeAll`. */
export function labContext(): LabContext & { closeAll: () => Promise<void> } {
  const lab = readLab()
  const dir = mkdtempSync(join(tmpdir(), 'rd-ssh-lab-'))
  const activity = new ActivityLog({ dataDir: dir })
  const made: SshService[] = []
  const host = (name: string) => {
    const h = lab.hosts.find((x) => x.name === name)
    if (!h) throw new Error(`lab has no host ${name}`)
    return h
  }
  return {
    lab,
    dir,
    activity,
    host,
    service: (opts = {}) => {
      const s = createSshService({
        dataDir: dir,
        trustStore: new MemoryTrustStore(),
        activityLog: activity,
        knownHostsPaths: [lab.knownHostsPath],
        sshConfigPath: join(dir, 'no-ssh-config'),
        homeDir: dir, // no default keys from the machine's ~/.ssh
        agent: null,
        connectTimeoutMs: 5000,
        ...opts,
      })
      made.push(s)
      return s
    },
    target: (h, user, extra = {}) => {
      const x = typeof h === 'string' ? host(h) : h
      return { address: x.address, port: x.port, user: user ?? lab.users.postgres, identityFile: lab.clientKeyPath, ...extra }
    },
    closeAll: async () => {
      await Promise.all(made.map((s) => s.close()))
    },
  }
}

/** The AppError a call fails with (the test fails when it succeeds or throws anything else). */
export async function failure(p: Promise<unknown>): Promise<AppError> {
  const r = await p.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(r).toBeInstanceOf(AppError)
  return r as AppError
}

/** Runs on the lab host (no SSH); returns stdout, throws on failure. */
export async function onHost(h: LabHost, argv: string[]): Promise<{ code: number; stdout: string }> {
  const r = await labExec(h, argv)
  return { code: r.code, stdout: r.stdout }
}

/** Machine-wide login user (the lab hosts share /etc/passwd and /home) with given keys. */
export function ensureUser(name: string, shell: string, publicKeys: string[]): void {
  if (!existsSync(shell)) throw new Error(`${shell} is not installed; the lab must provide it`)
  const exists = readFileSync('/etc/passwd', 'utf8').split('\n').some((l) => l.startsWith(`${name}:`))
  if (!exists) execFileSync('useradd', ['--create-home', '--shell', shell, name])
  else execFileSync('usermod', ['--shell', shell, name])
  const home = `/home/${name}`
  execFileSync('install', ['-d', '-m', '700', '-o', name, '-g', name, `${home}/.ssh`])
  const file = `${home}/.ssh/authorized_keys`
  writeFileSync(file, publicKeys.map((k) => k.trim() + '\n').join(''), { mode: 0o600 })
  execFileSync('chown', [`${name}:${name}`, file])
}

/** tcsh, the non-POSIX login shell of the shell test; the lab installs it (e2e/lab/machine.ts). */
export function ensureTcsh(): string {
  const path = '/usr/bin/tcsh'
  if (!existsSync(path)) throw new Error(`${path} is missing: the lab installs tcsh; run \`npm run lab -- up\` once as root.`)
  return path
}

export function removeUser(name: string): void {
  try {
    execFileSync('userdel', ['--remove', name], { stdio: 'ignore' })
  } catch {
    // already gone
  }
}

/** A fresh ed25519 key pair; returns the private key path and the public line. */
export function makeKey(dir: string, name: string, passphrase = ''): { path: string; pub: string } {
  const path = join(dir, name)
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', passphrase, '-C', name, '-f', path])
  return { path, pub: readFileSync(`${path}.pub`, 'utf8').trim() }
}

export const tempDir = (prefix: string) => mkdtempSync(join(tmpdir(), prefix))
