// The member's own files and settings a rejoin keeps: pg_rewind and pg_basebackup bring the
// source's.

/** postgresql.auto.conf keys the member keeps as its own, or gets from the model. */
export const OWN_KEYS = ['port', 'listen_addresses', 'cluster_name'] as const
export const FOLLOW_KEYS = ['primary_conninfo', 'primary_slot_name', 'synchronous_standby_names'] as const
/** A plain data dir's config files. */
export const PLAIN_FILES = ['postgresql.conf', 'pg_hba.conf', 'pg_ident.conf'] as const
export const AUTO_CONF = 'postgresql.auto.conf'
