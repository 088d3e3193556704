// ReplicaDesk writes the login's sudo rule itself (host prepare --sudo-rule), when the login
// may already run sudo -n as root: one file of its own in /etc/sudoers.d holding exactly the
// lines the checks name (act as postgres, the package install, the service address), so a
// broad rule can go afterwards. Steps:
//   write   as root: the lines into a temp file in /etc/sudoers.d (its name has a dot: sudo
//           never reads it), `visudo -cf` on it, mode 0440 root:root, renamed into place, then
//           `visudo -c` on the whole configuration (a failure puts the old file back or removes
//           ours): sudo is never left broken. Undo removes exactly that file.
//   verify  as the login, without root: sudo -n -l says every command of the rule is allowed.
import { z } from 'zod'
import { AppError } from '../../../../shared/errors'
import { defineOperationKind, type Step } from '../../operations'
import type { HostExec } from '../../engines/host-exec'

export const sudoRuleParams = z.object({
  host: z.string().min(1),
  login: z.string().min(1),
  file: z.string().regex(/^\/etc\/sudoers\.d\/replicadesk-[A-Za-z0-9_-]+$/),
  lines: z.array(z.string().min(1).regex(/^[^\n]+$/)).min(1),
  /** Commands the login must then be allowed (sudo -n -l argv after `sudo -n`), checked by verify. */
  allowed: z.array(z.array(z.string()).min(1)),
})
export type SudoRuleParams = z.output<typeof sudoRuleParams>

const ANY = Array.from({ length: 256 }, (_, i) => i)

/** The content of the file: a header that says who wrote it and how it goes, then the lines. */
export const ruleText = (p: Pick<SudoRuleParams, 'lines' | 'host'>) => `# Written by ReplicaDesk (host prepare --sudo-rule); \`replicadesk host clean ${p.host}\` removes it.\n${p.lines.join('\n')}\n`

// $1 the file; the content on stdin. Exit 3: visudo refused the new file (its message on
// stderr), nothing changed; exit 4: the whole configuration failed afterwards, the old state is back.
export const WRITE_SCRIPT = `PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin; export LC_ALL=C
f=$1; d=\${f%/*}; t=$(mktemp "$d/.rd-new.XXXXXX") || exit 1
trap 'rm -f -- "$t" "$t.old"' EXIT
cat > "$t" || exit 1
chmod 0440 "$t" && chown root:root "$t" || exit 1
if ! out=$(visudo -cf "$t" 2>&1); then printf '%s\\n' "$out" >&2; exit 3; fi
had=no; if [ -e "$f" ]; then cp -p -- "$f" "$t.old" && had=yes; fi
mv -f -- "$t" "$f" || exit 1
if ! out=$(visudo -c 2>&1); then
  if [ $had = yes ]; then mv -f -- "$t.old" "$f"; else rm -f -- "$f"; fi
  printf '%s\\n' "$out" >&2; exit 4
fi
echo written`

const tail = (s: string) => s.trim().split('\n').slice(-3).join(' ')

export function buildSudoRule(hosts: HostExec, p: SudoRuleParams): Step<SudoRuleParams>[] {
  const h = p.host
  const text = ruleText(p)
  const current = async () => {
    const r = await hosts.exec(h, ['cat', '--', p.file], { sudo: true, timeoutMs: 10_000, okExitCodes: ANY })
    return r.exitCode === 0 ? r.stdout : null
  }
  const allowed = async () => {
    const denied: string[] = []
    for (const argv of p.allowed) {
      const r = await hosts.exec(h, ['sudo', '-n', '-l', ...argv], { timeoutMs: 10_000, okExitCodes: ANY })
      if (r.exitCode !== 0) denied.push(`sudo -n ${argv.join(' ')}`)
    }
    return denied
  }
  return [
    {
      id: 'write',
      title: `Write the sudo rule ${p.file} (checked with visudo before it is put in place)`,
      hosts: [h],
      plan: () => [{ host: h, argv: ['sh', '-c', WRITE_SCRIPT, 'rd-sudo-rule', p.file], runAs: 'root', note: `stdin: ${p.lines.join(' | ')}` }],
      check: async () => (await current()) === text,
      async run(_ctx, report) {
        const r = await hosts.exec(h, ['sh', '-c', WRITE_SCRIPT, 'rd-sudo-rule', p.file], { sudo: true, stdin: text, timeoutMs: 20_000, okExitCodes: ANY })
        if (r.exitCode === 3) throw new AppError('command_failed', `visudo refused the rule for ${p.file} on ${h} (${tail(r.stderr)}); nothing was changed. Add the lines by hand with \`sudo visudo -f ${p.file}\`.`, { host: h })
        if (r.exitCode === 4) throw new AppError('command_failed', `With ${p.file} in place, visudo found the sudo configuration on ${h} broken (${tail(r.stderr)}), so ReplicaDesk put the previous state back. Fix the other files (\`sudo visudo -c\`), then resume.`, { host: h })
        if (r.exitCode !== 0) throw new AppError('command_failed', `Writing ${p.file} on ${h} failed (exit ${r.exitCode}): ${tail(r.stderr) || tail(r.stdout)}. The login needs sudo -n as root for this; then resume.`, { host: h })
        report({ message: `${p.file} written (${p.lines.length} line${p.lines.length === 1 ? '' : 's'})` })
      },
      async undo() {
        const r = await hosts.exec(h, ['rm', '-f', '--', p.file], { sudo: true, timeoutMs: 10_000, okExitCodes: ANY })
        if (r.exitCode !== 0) throw new AppError('command_failed', `Removing ${p.file} on ${h} failed: ${tail(r.stderr)}. Remove it as root there (rm ${p.file}).`, { host: h })
      },
    },
    {
      id: 'verify',
      title: `Check that ${p.login} may now run what the rule names, without a password`,
      hosts: [h],
      plan: () => p.allowed.map((argv) => ({ host: h, argv: ['sudo', '-n', '-l', ...argv] })),
      check: async () => false,
      async run(_ctx, report) {
        const denied = await allowed()
        if (denied.length) throw new AppError('command_failed', `${p.file} is on ${h}, but sudo still refuses ${p.login}: ${denied.join('; ')}. A rule read after it may override it (look at \`sudo -l\` there), then resume.`, { host: h })
        report({ message: `${p.login} may run the ${p.allowed.length} commands of the rule through sudo -n` })
      },
    },
  ]
}

export const sudoRuleKind = (hosts: HostExec) =>
  defineOperationKind({
    kind: 'write-sudo-rule',
    params: sudoRuleParams,
    build: ({ params }) => ({
      title: `Write the sudo rule for ${params.login} on ${params.host}`,
      summary: () => [
        `${params.file} gets ${params.lines.length} line${params.lines.length === 1 ? '' : 's'}, nothing else: ${params.lines.join(' | ')}.`,
        'visudo checks the file before it is put in place, and the whole sudo configuration after; a failure leaves sudo as it was.',
        `Abandon (undo) or \`replicadesk host clean ${params.host}\` removes exactly this file.`,
      ],
      steps: buildSudoRule(hosts, params),
    }),
  })
