// How engines run commands: by host name (as the app's host records name them), with the SSH
// layer's full options (live output for progress, sudo, exit codes that are not failures).
// The app builds one HostExec over its SshService and host store and derives from it the
// RemoteRunner the operations runner needs, so both run through the same connections.
import type { RemoteRunner } from '../operations'
import type { Arg, ExecOptions, ExecResult, PipeOptions, PipeResult, SshService, Target } from '../ssh'

export interface HostExec {
  exec(host: string, argv: readonly Arg[], opts?: ExecOptions): Promise<ExecResult>
}

/**
 * A copy between hosts: the stdout of a command on one host streamed into the stdin of a
 * command on another, relayed through the app's SSH connections (ssh/pipe.ts). Apart from
 * HostExec so that engines which never copy (and their test doubles) need not provide it.
 */
export interface HostPipe {
  pipe(fromHost: string, fromArgv: readonly Arg[], toHost: string, toArgv: readonly Arg[], opts: PipeOptions): Promise<PipeResult>
}

export function sshHostExec(ssh: Pick<SshService, 'exec' | 'pipe'>, resolve: (host: string) => Target | Promise<Target>): HostExec & HostPipe {
  return {
    async exec(host, argv, opts) {
      return ssh.exec(await resolve(host), argv, opts)
    },
    async pipe(fromHost, fromArgv, toHost, toArgv, opts) {
      const [from, to] = await Promise.all([resolve(fromHost), resolve(toHost)])
      return ssh.pipe(from, fromArgv, to, toArgv, opts)
    },
  }
}

const ANY_EXIT = Array.from({ length: 256 }, (_, i) => i)

/** The operations runner's view: any exit code resolves; only "could not run" rejects. */
export function remoteRunnerOf(hosts: HostExec): RemoteRunner {
  return {
    async run(host, argv, opts = {}) {
      const r = await hosts.exec(host, argv, { timeoutMs: opts.timeoutMs, stdin: opts.stdin, sudo: opts.sudo, okExitCodes: ANY_EXIT })
      return { stdout: r.stdout, stderr: r.stderr, code: r.exitCode ?? 255 }
    },
  }
}
