// Public surface of the service address (issue 18); everything else in this folder is internal.
export { createServiceAddress, type ServiceAddress, type ServiceAddressOptions, type InspectResult, type AcquireResult, type ReleaseResult, type HolderState } from './service-address'
export { type AddressPlan, type PlacedMember, sudoersLine, SUDOERS_FILE, IPUTILS_PACKAGE } from './decide'
export { type AddressExec } from './remote'
export { type InspectInput, type AddressMember, inspectInputSchema, ipv4Address, prefixLength, interfaceName } from './schema'
export { subnetOf, inSubnet, type Subnet } from './ipv4'
