// A claim names the operation that made a member's datadir (add-replica/scripts.ts keeps them
// in /etc/mysql/replicadesk/claims/KEY): a resume goes on with its own half-made copy, an
// abandon empties or removes only what its operation made. KEY comes from the datadir's path.
import { createHash } from 'node:crypto'

export const claimKeyOf = (dataDir: string) => createHash('sha256').update(`mariadb:${dataDir}`).digest('hex').slice(0, 24)
