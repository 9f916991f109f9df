/** The district broker: aedes + (later) registry, ACL, provisioning, TLS/WebSocket, persistence, cluster mode. */
export { type BrokerOptions, type RunningBroker, startBroker } from './broker.js';
