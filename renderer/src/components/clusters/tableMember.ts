// What the member table shows of a member, the part PostgreSQL's and MariaDB's records share.
export interface TableMember {
  name: string
  host: string
  address: string
  port: number
  dataDir: string
  sync: boolean
  priority: number
  neverPromote: boolean
}
