// What the MariaDB lab specs share (test code): their three members db1..db3 on host1..host3, the
// lab hosts added and trusted through the CLI as the admin login (sudo -n to mysql), and the
// hosts cleaned of the plain servers a spec made under its own base dir and port.
import type { Lab, LabHost } from '../../lab'
import type { AppUnderTest } from '../../fixtures/app'
import { cliOk } from '../../fixtures/labMembers'
import { cleanPlainMariaDb } from './clean-plain'

export const SPEC_MEMBERS = [
  { name: 'db1', host: 'host1' },
  { name: 'db2', host: 'host2' },
  { name: 'db3', host: 'host3' },
]

export type SpecMember = (typeof SPEC_MEMBERS)[number]

/** The lab hosts, reached as the admin login (sudo -n to mysql), added and trusted through the CLI. */
export async function addTrustedHosts(app: AppUnderTest, lab: Lab, hosts: LabHost[]): Promise<void> {
  for (const h of hosts) {
    await cliOk(app, ['host', 'add', h.name, '--address', h.address, '--port', String(h.port), '--user', lab.users.admin, '--identity-file', lab.clientKeyPath])
    await cliOk(app, ['host', 'trust', h.name, h.hostKeyFingerprint])
  }
}

/** Removes every plain server under `base` (port `port`) from the members' hosts. */
export const cleanSpecHosts = (lab: Lab, base: string, port: number) => cleanPlainMariaDb(lab, SPEC_MEMBERS.map((m) => m.host), base, port)
