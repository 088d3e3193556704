// The PostgreSQL engine against the lab, plain data dirs (pg_ctl) reached as postgres:
// initialise a primary, refuse bad replicas, add two replicas from a ~230 MB database, abandon,
// resume, remove, detect. See testing/suite.ts.
import { engineSuite } from '../../../../e2e/support/postgres/suite'

engineSuite({
  title: 'postgres engine, plain data dirs, SSH login as postgres',
  clusterId: 'lab-plain',
  login: 'postgres',
  layout: 'plain',
  mode: 'init',
  port: 5432,
  dataDir: (m) => `/var/lib/postgresql/rd/${m}`,
  scale: 15,
})
