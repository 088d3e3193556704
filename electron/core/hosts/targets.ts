// From host records to SSH targets: a record's jump host is another record, resolved here
// (with loop detection) so the SSH layer sees one nested target.
import { AppError } from '../../../shared/errors'
import type { Host } from '../../../shared/hosts'
import type { Target } from '../ssh'

export function targetOf(host: Host, all: readonly Host[], seen: string[] = []): Target {
  if (seen.includes(host.name)) {
    throw new AppError('invalid_input', `Host "${host.name}" jumps through itself (${[...seen, host.name].join(' → ')}). Edit its jump host.`)
  }
  const target: Target = { address: host.address, port: host.port, user: host.user }
  if (host.identityFile) target.identityFile = host.identityFile
  if (host.usePassword) target.usePassword = true
  if (host.jump) {
    const via = all.find((h) => h.name === host.jump)
    if (!via) throw new AppError('not_found', `Host "${host.name}" jumps through "${host.jump}", which is not a host record. Add it or edit the jump host.`)
    target.jump = targetOf(via, all, [...seen, host.name])
  }
  return target
}
