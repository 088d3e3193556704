// The operation kinds of host prepare (install PostgreSQL, write the sudo rule), registered
// with the core's one operations runner so `operation resume|abandon` works for them too.
// Their lease lives in the login's own ~/.replicadesk/leases: a bare box has no postgres user
// yet, and a login whose sudo rule only allows apt-get cannot write anywhere else.
import type { HostExec } from '../../engines/host-exec'
import { installKind } from '../../engines/postgres/install'
import type { LeaseConfig, OperationFactory } from '../../operations'
import { sudoRuleKind } from './sudo-rule'

export const HOST_OPERATION_LEASE: LeaseConfig = { root: '.replicadesk/leases' }

export function hostSetupKinds(exec: HostExec) {
  const install = installKind(exec)
  const sudoRule = sudoRuleKind(exec)
  const factories: Record<string, OperationFactory> = { [install.kind]: install.factory, [sudoRule.kind]: sudoRule.factory }
  const leases: Record<string, LeaseConfig> = { [install.kind]: HOST_OPERATION_LEASE, [sudoRule.kind]: HOST_OPERATION_LEASE }
  return { install, sudoRule, factories, leases }
}

export type HostSetupKinds = ReturnType<typeof hostSetupKinds>

/** The clusterId host operations journal under (one operation per host at a time). */
export const hostOperationId = (host: string) => `host.${host}`.slice(0, 63)
