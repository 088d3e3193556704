// Is stream-local forwarding allowed by sshd for this login? Tested the way the status session
// uses it: a Unix socket made on the host for the test (perl, which every Debian has: perl-base
// ships IO::Socket::UNIX) listens for up to 15 s, and a stream is opened to it over the
// pooled connection. Opened: allowed. Refused while the socket listens: sshd said no
// (stream-local.ts tells the cases apart and names AllowStreamLocalForwarding).
import { randomBytes } from 'node:crypto'
import { toErrorData } from '../../../../shared/errors'
import type { HostExec } from '../../engines/host-exec'
import type { SshService, Target } from '../../ssh'
import type { StreamLocalState } from './checks'

// $1 socket path, $2 the perl listener. Starts it detached, waits until the socket exists.
const LISTEN_SCRIPT = `command -v perl >/dev/null 2>&1 || { echo 'no perl' >&2; exit 3; }
(perl -e "$2" "$1" </dev/null >/dev/null 2>&1 &)
i=0
while [ ! -S "$1" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
[ -S "$1" ] && echo ready`

const PERL_LISTENER = `use IO::Socket::UNIX; my $p = shift; umask 077;
my $s = IO::Socket::UNIX->new(Type => SOCK_STREAM(), Local => $p, Listen => 1) or exit 1;
$SIG{ALRM} = sub { unlink $p; exit 0 }; alarm 15;
my $c = $s->accept; close $c if $c; unlink $p;`

export async function probeStreamLocal(ssh: Pick<SshService, 'openStreamLocal'>, hosts: HostExec, host: string, target: Target): Promise<{ state: StreamLocalState; why?: string }> {
  const path = `/tmp/replicadesk-probe-${randomBytes(6).toString('hex')}.sock`
  try {
    const r = await hosts.exec(host, ['sh', '-c', LISTEN_SCRIPT, 'rd-probe', path, PERL_LISTENER], { timeoutMs: 10_000, okExitCodes: [0, 1, 3] })
    if (r.stdout.trim() !== 'ready') return { state: 'unknown', why: r.stderr.includes('no perl') ? 'no perl on the host to make a test socket' : 'a test socket could not be made in /tmp' }
    try {
      const s = await ssh.openStreamLocal(target, path, { timeoutMs: 5000 })
      s.stream.destroy()
      return { state: 'allowed' }
    } catch (err) {
      const e = toErrorData(err)
      const reason = (e.detail as { reason?: string } | undefined)?.reason
      return reason === 'stream_local_refused' ? { state: 'refused' } : { state: 'unknown', why: e.message }
    }
  } catch (err) {
    return { state: 'unknown', why: toErrorData(err).message }
  } finally {
    await hosts.exec(host, ['rm', '-f', '--', path], { timeoutMs: 5000 }).catch(() => undefined)
  }
}
