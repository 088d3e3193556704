// The probe's own pg_hba.conf line: rdprobe from the test machine, scram-sha-256. It goes at
// the very top of the file, so it is outside ReplicaDesk's managed block (which the app keeps
// at the top too and rewrites without touching other lines) and matches before any reject.
import { isIPv4, isIPv6 } from 'node:net'
import { PROBE_DATABASE, PROBE_ROLE } from './connect'

export const PROBE_HBA_MARK = '# rd-probe: write probe of the lab tests (e2e/probe); its teardown removes this and the next line'

export function probeHbaLines(clientAddress: string): [string, string] {
  const bits = isIPv4(clientAddress) ? 32 : isIPv6(clientAddress) ? 128 : undefined
  if (!bits) throw new Error(`probe hba: ${clientAddress} is not an IP address`)
  return [PROBE_HBA_MARK, `host    ${PROBE_DATABASE}    ${PROBE_ROLE}    ${clientAddress}/${bits}    scram-sha-256`]
}

const isProbeLine = (line: string) => line === PROBE_HBA_MARK || new RegExp(`^host\\s+\\S+\\s+${PROBE_ROLE}\\s`).test(line)

export function withoutProbeLines(file: string): string {
  return file
    .split('\n')
    .filter((l) => !isProbeLine(l))
    .join('\n')
}

/** Idempotent: any earlier probe lines are replaced by these, at the top. */
export function withProbeLines(file: string, lines: readonly string[]): string {
  return `${lines.join('\n')}\n${withoutProbeLines(file)}`
}
