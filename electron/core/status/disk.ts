// Free space of the data dirs, on a slower period than the polls: one command per host for
// all of its members (`df -P -B1` per dir; POSIX output, sizes in bytes). A dir df cannot
// read yields no figure for that member, never a wrong one.
import type { DiskStatus } from '../../../shared/status'
import type { SshService, Target } from '../ssh'

// One line per dir, tab-separated: the dir, then df's data line (or ERR).
export const DF_SCRIPT = String.raw`for d do
  line=$(df -P -B1 -- "$d" 2>/dev/null | tail -n 1)
  if [ -n "$line" ]; then printf '%s\t%s\n' "$d" "$line"; else printf '%s\tERR\n' "$d"; fi
done; exit 0`

// Filesystem 1-blocks Used Available Capacity Mounted-on (the file system name may hold spaces).
const DF_LINE = /^(.*?)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)%\s+(.*)$/

/** Free and total bytes per dir; dirs df could not read are absent. */
export function parseDf(stdout: string, at: Date): Map<string, DiskStatus> {
  const out = new Map<string, DiskStatus>()
  for (const line of stdout.split('\n')) {
    const tab = line.indexOf('\t')
    if (tab < 0) continue
    const path = line.slice(0, tab)
    const m = DF_LINE.exec(line.slice(tab + 1).trim())
    if (!m) continue
    const totalBytes = Number(m[2])
    const freeBytes = Number(m[4])
    if (Number.isFinite(totalBytes) && Number.isFinite(freeBytes)) out.set(path, { path, freeBytes, totalBytes, at: at.toISOString() })
  }
  return out
}

/** Runs df for the given dirs on one host. */
export async function readDisk(ssh: SshService, target: Target, dirs: readonly string[], timeoutMs = 5000): Promise<Map<string, DiskStatus>> {
  const unique = [...new Set(dirs)]
  if (unique.length === 0) return new Map()
  const r = await ssh.exec(target, ['sh', '-c', DF_SCRIPT, 'sh', ...unique], { timeoutMs, maxOutputBytes: 256 * 1024 })
  return parseDf(r.stdout, new Date())
}
