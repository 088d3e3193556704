// The new primary's datadir as its host reports it (the claim of create-cluster's init, from
// add-replica's claims: /etc/mysql/replicadesk/claims/KEY), and the scripts that initialise it:
// mariadb-install-db as mysql only into a datadir this operation claimed and that holds
// nothing else, then a marker (KEY.initialised) that says the install finished.
import { CLAIM_DIR } from '../add-replica/scripts'
import type { Command } from '../node'
import type { CreateClusterOp } from './context'

/** As root: the claim's lines, and `initialised OPID` once the install finished. Args: KEY. */
const INIT_STATE = String.raw`key=$1
[ -f "${CLAIM_DIR}/$key" ] && cat -- "${CLAIM_DIR}/$key"
[ -f "${CLAIM_DIR}/$key.initialised" ] && echo "initialised $(head -n 1 "${CLAIM_DIR}/$key.initialised")"
exit 0`

/**
 * As mysql: only into a datadir this operation claimed (exit 5 otherwise); what an earlier
 * attempt of this operation left there is its own half-made install and goes first; then
 * mariadb-install-db with root@localhost and mysql@localhost via unix_socket, no test db, no
 * option file read. Args: KEY OPID DATADIR.
 */
const INSTALL_DB = String.raw`set -eu
key=$1 op=$2 d=$3
grep -qx "operation=$op" "${CLAIM_DIR}/$key" 2>/dev/null || { echo "refuse content $d" >&2; exit 5; }
cd /
find "$d" -xdev -mindepth 1 -delete
mariadb-install-db --no-defaults --datadir="$d" --auth-root-authentication-method=socket --skip-test-db >/dev/null`

/** As root: the install finished (KEY.initialised = OPID), or is forgotten (-). Args: KEY OPID|-. */
const MARK_INITIALISED = String.raw`set -eu
if [ "$2" = - ]; then rm -f -- "${CLAIM_DIR}/$1.initialised"; else printf '%s\n' "$2" > "${CLAIM_DIR}/$1.initialised"; fi`

export interface InitState {
  claim?: { operation: string; made: boolean }
  initialised?: string
}

export function parseInitState(out: string): InitState {
  const op = /^operation=(.+)$/m.exec(out)?.[1]
  return { ...(op && { claim: { operation: op, made: /^made=yes$/m.test(out) } }), initialised: /^initialised (\S+)$/m.exec(out)?.[1] }
}

export const initStateCommand = (op: CreateClusterOp): Command => op.P.root(['sh', '-c', INIT_STATE, 'sh', op.key])
export const readInitState = async (op: CreateClusterOp): Promise<InitState> => parseInitState((await op.P.run(initStateCommand(op))).stdout)
export const installDbCommand = (op: CreateClusterOp, opId: string): Command => op.P.mysql(['sh', '-c', INSTALL_DB, 'sh', op.key, opId, op.m.dataDir], 'only into the datadir this operation claimed: mariadb-install-db (unix_socket for root and mysql)')
export const markInitialisedCommand = (op: CreateClusterOp, opId: string | '-'): Command => op.P.root(['sh', '-c', MARK_INITIALISED, 'sh', op.key, opId])
