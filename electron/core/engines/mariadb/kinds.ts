// The MariaDB engine's operation kinds (journaled names: never rename one).
export const KIND_MARIADB_CREATE_CLUSTER = 'mariadb-create-cluster'
export const KIND_MARIADB_ADD_REPLICA = 'mariadb-add-replica'
export const KIND_MARIADB_REMOVE_REPLICA = 'mariadb-remove-replica'
export const KIND_MARIADB_SETTINGS = 'mariadb-settings'
