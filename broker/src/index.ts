/**
 * The district broker: aedes with a registry (sites, nodes, credentials), the DESIGN §3 ACL, provisioning by
 * one-time claim token, TCP/TLS/WebSocket listeners, SQLite persistence, Redis cluster mode, Mosquitto export.
 */
export { type Principal, publishRefusal, subscribeRefusal } from './acl.js';
export { type BrokerLimits, type BrokerOptions, DEFAULT_LIMITS, type RunningBroker, startBroker } from './broker.js';
export { type CityUplink, type CityUplinkOptions, startCityUplink } from './city-uplink.js';
export { FifoQueue, withConstantTimeBacklog } from './fifo-queue.js';
export { exportMosquitto, mosquittoAclEntries } from './mosquitto-export.js';
export { createProvisioningApp, type ProvisioningAdvert } from './provisioning.js';
export {
  type Account,
  ClaimRefused,
  type ClaimToken,
  type Credentials,
  NODE_KINDS,
  type NodeKind,
  type NodeRow,
  nodeUsername,
  Registry,
  RegistryError,
  type Role,
  SITE_KINDS,
  type Site,
  type SiteKind,
} from './registry.js';
export { SqlitePersistence } from './sqlite-persistence.js';
export { openStorage, type StorageOptions } from './storage.js';
