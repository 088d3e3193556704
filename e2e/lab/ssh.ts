// The OpenSSH client pointed at a lab host with the lab's key and strict host-key checking:
// what a user's own `ssh` would do, for tests that check the hosts from outside.
import { run, type RunResult } from './run'
import { findHost, readLab, type Lab, type LabHost } from './state'

export interface SshOptions {
  user?: string
  lab?: Lab
  connectTimeoutS?: number
  input?: string
  timeoutMs?: number
}

/** Arguments for `ssh` up to and including user@address (append `--` and the remote command). */
export function sshArgv(host: string | LabHost, opts: SshOptions = {}): string[] {
  const lab = opts.lab ?? readLab()
  const h = findHost(lab, host)
  const o = (opt: string) => ['-o', opt]
  return [
    ...['-F', '/dev/null'], // no user config from the machine
    ...['-i', lab.clientKeyPath],
    ...o('IdentitiesOnly=yes'),
    ...o(`UserKnownHostsFile=${lab.knownHostsPath}`),
    ...o('GlobalKnownHostsFile=/dev/null'),
    ...o('StrictHostKeyChecking=yes'),
    ...o('BatchMode=yes'),
    ...o(`ConnectTimeout=${opts.connectTimeoutS ?? 5}`),
    ...o('LogLevel=ERROR'),
    ...['-p', String(h.port)],
    `${opts.user ?? lab.users.postgres}@${h.address}`,
  ]
}

/** Runs a remote shell command over SSH; never throws on a non-zero exit (255 = ssh failed). */
export function ssh(host: string | LabHost, command: string, opts: SshOptions = {}): Promise<RunResult> {
  return run('ssh', [...sshArgv(host, opts), '--', command], {
    input: opts.input,
    timeoutMs: opts.timeoutMs ?? 30_000,
    allowFail: true,
  })
}
