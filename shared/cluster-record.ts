// A cluster record of any engine, as clusters.json, `cluster.list` and the clustersChanged
// event carry it: MariaDB records say `engine: 'mariadb'`; PostgreSQL records (the first
// engine, stored before there was a second) carry no engine field.
import { z } from 'zod'
import { mariaCluster, type MariaCluster } from './mariadb'
import { pgCluster, type PgCluster } from './postgres'

export const clusterRecord = z.union([mariaCluster, pgCluster])
export type ClusterRecord = PgCluster | MariaCluster

export const isMariaDb = (c: ClusterRecord): c is MariaCluster => 'engine' in c && c.engine === 'mariadb'
export const isPostgres = (c: ClusterRecord): c is PgCluster => !isMariaDb(c)

/** The engine a record belongs to. */
export const engineOf = (c: ClusterRecord) => (isMariaDb(c) ? 'mariadb' : 'postgres')
