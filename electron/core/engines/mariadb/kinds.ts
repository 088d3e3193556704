// The MariaDB engine's operation kinds (journaled names: never rename one).
export const KIND_MARIADB_CREATE_CLUSTER = 'mariadb-create-cluster'
export const KIND_MARIADB_ADD_REPLICA = 'mariadb-add-replica'
export const KIND_MARIADB_REMOVE_REPLICA = 'mariadb-remove-replica'
export const KIND_MARIADB_SETTINGS = 'mariadb-settings'
export const KIND_MARIADB_SWITCHOVER = 'mariadb-switchover'
export const KIND_MARIADB_FAILOVER = 'mariadb-failover'
export const KIND_MARIADB_FENCE = 'mariadb-fence'
export const KIND_MARIADB_REJOIN = 'mariadb-rejoin'
