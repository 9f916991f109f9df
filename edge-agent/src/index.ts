/** The classroom gateway: config → profiles → device drivers → outbox → MQTT uplink. */
export { AGENT_VERSION, type AgentOptions, type RunningAgent, startAgent } from './agent.js';
export { CardPseudonymiser, canonicalCardId, loadSiteSecret } from './classroom/card-privacy.js';
export { ClassroomRules, type RuleAction, type RulesConfig } from './classroom/rules.js';
export { rulesSchema } from './classroom/rules-schema.js';
export {
  ConfigError,
  type DeviceInstance,
  type GatewayConfig,
  gatewayConfigSchema,
  loadGatewayConfig,
  parseGatewayConfig,
} from './config.js';
export { type DiscoveredDevice, discoverDevices, matchProfiles, pjlinkSearch } from './discovery.js';
export { CommandError, type CommandErrorCode, type CommandResult, type DeviceDriver, type DeviceSink } from './drivers/driver.js';
export { CommandProcessor, type CommandTarget } from './remote/command-processor.js';
export { type HidBackend, type HidDeviceInfo, type HidReportSource, nodeHid } from './transports/hid-source.js';
export { Outbox, type OutboxRecord, Priority } from './uplink/outbox.js';
export { Uplink, type UplinkOptions, type UplinkStats } from './uplink/uplink.js';
