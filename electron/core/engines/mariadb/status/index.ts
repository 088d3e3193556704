// Live status of MariaDB members (the engine's StatusSource and its cluster records as status
// reads them). See README.md.
export { mariadbStatus, endpointOf } from './source'
export { statusMembers, type MariaStatusMemberInput } from './members'
export type { MariaSample } from '../sample'
