// From an entry of ~/.ssh/config to the Add host form: the same fields, a record name derived
// from the alias, and notes on what could not be carried over.
import type { z } from 'zod'
import { hostName } from '../../../shared/hosts'
import type { importableHost } from '../../../shared/ssh'
import type { HostFormValues } from './hostForm'

export type ImportableHost = z.output<typeof importableHost>

export interface ImportPrefill {
  values: HostFormValues
  /** Said above the form: what the user still has to check or do. */
  notes: string[]
}

/** A record name from an alias: the allowed characters only, and not one that is taken. */
export function recordNameFor(alias: string, taken: readonly string[]): string {
  let base = alias.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 60)
  if (!hostName.safeParse(base).success) base = 'host'
  let name = base
  for (let n = 2; taken.includes(name); n++) name = `${base}-${n}`
  return name
}

export function prefillFromConfig(entry: ImportableHost, existing: readonly { name: string }[]): ImportPrefill {
  const names = existing.map((h) => h.name)
  const notes: string[] = []
  let jump = ''
  if (entry.proxyJump) {
    const hops = entry.proxyJump.split(',').map((s) => s.trim())
    const only = hops.length === 1 ? hops[0]! : null
    if (only && names.includes(only)) {
      jump = only
    } else if (only && /^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(only)) {
      notes.push(`It jumps through “${only}” (ProxyJump), which is not a host record yet: import or add ${only} first, then pick it as the jump host.`)
    } else {
      notes.push(`Its ProxyJump “${entry.proxyJump}” is not a single host record: add each jump host as a record and pick the last one as the jump host.`)
    }
  }
  if (!entry.user) notes.push('The config names no user: enter the SSH user.')
  if (entry.identityFiles.length > 1) notes.push(`The config lists ${entry.identityFiles.length} identity files; the first one is used here.`)
  return {
    values: {
      name: recordNameFor(entry.alias, names),
      address: entry.address ?? entry.alias,
      port: String(entry.port),
      user: entry.user ?? '',
      jump,
      identityFile: entry.identityFiles[0] ?? '',
      failureDomain: '',
      usePassword: false,
    },
    notes,
  }
}
