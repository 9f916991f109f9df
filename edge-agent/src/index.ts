/** The classroom gateway: config → profiles → device drivers → outbox → MQTT uplink. */
export { AGENT_VERSION, type RunningAgent, startAgent } from './agent.js';
export {
  ConfigError,
  type DeviceInstance,
  type GatewayConfig,
  gatewayConfigSchema,
  loadGatewayConfig,
  parseGatewayConfig,
} from './config.js';
export { Outbox, type OutboxRecord, Priority } from './uplink/outbox.js';
export { Uplink, type UplinkOptions, type UplinkStats } from './uplink/uplink.js';
