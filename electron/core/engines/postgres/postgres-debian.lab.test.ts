// The PostgreSQL engine against the lab, Debian-style clusters (pg_createcluster /
// pg_ctlcluster) on a non-default port and data dir under root's /srv, reached as an admin
// through `sudo -n`: adopt a running primary, then the same suite as for plain data dirs, and
// the clear error of a host whose sudo asks for a password. See testing/suite.ts.
import { engineSuite } from '../../../../e2e/support/postgres/suite'

engineSuite({
  title: 'postgres engine, Debian clusters on port 5433, SSH login as admin with sudo',
  clusterId: 'lab-debian',
  login: 'admin',
  layout: 'debian',
  mode: 'adopt',
  port: 5433,
  dataDir: (m) => `/srv/pg/${m}`,
  scale: 5,
  // The lease dir (/var/lib/replicadesk) belongs to postgres on the lab hosts.
  leaseSudo: 'postgres',
})
