import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Profile } from '@lophoc/device-profiles';
import type { BirthPayload } from '@lophoc/protocol';
import type { Logger } from '@lophoc/scripts/logger';
import { CardPseudonymiser, loadSiteSecret } from './classroom/card-privacy.js';
import { createClassroomSink } from './classroom/classroom-sink.js';
import { parseRoster, type Roster } from './classroom/roster.js';
import { ClassroomRules } from './classroom/rules.js';
import { type AgentStatus, writeStatus } from './cli/status-file.js';
import type { GatewayConfig } from './config.js';
import { ConfigError } from './config-error.js';
import { type BoundDevice, openDeviceSet, resolveEndpoint } from './device-set.js';
import type { DeviceDriver } from './drivers/driver.js';
import { validateParams } from './drivers/params.js';
import { CommandProcessor, type CommandTarget } from './remote/command-processor.js';
import { validateInHelper } from './startup/helper.js';
import { type HidBackend, nodeHid } from './transports/hid-source.js';
import { HealthReporter } from './uplink/health.js';
import { Outbox } from './uplink/outbox.js';
import { Uplink } from './uplink/uplink.js';

export const AGENT_VERSION = '0.1.0';

export interface RunningAgent {
  readonly uplink: Uplink;
  readonly outbox: Outbox;
  /** One driver per configured device, by device id: `execute(command, params)` runs a profile command (issue #4). */
  readonly drivers: ReadonlyMap<string, DeviceDriver>;
  readonly commands: CommandProcessor;
  stop(): Promise<void>;
}

export interface AgentOptions {
  profilesDir?: string;
  /** The validated profiles by id (the daemon gets them from its start-up helper); else read from profilesDir. */
  profiles?: ReadonlyMap<string, Profile>;
  /** How HID devices are found and opened; node-hid unless a test passes recorded devices. */
  hid?: HidBackend;
}

/**
 * Starts the gateway: checks the config against the profiles and the machine, opens the outbox, the device
 * transports (serial buses, TCP, HID) and the MQTT session, then starts the drivers. Any start-up failure closes
 * what was opened and throws one clear error.
 */
export async function startAgent(config: GatewayConfig, log: Logger, options: string | AgentOptions = {}): Promise<RunningAgent> {
  const { profilesDir, profiles, hid } =
    typeof options === 'string' ? { profilesDir: options, profiles: undefined, hid: undefined } : options;
  const devices = await bindProfiles(config, profiles ?? profilesDir ?? config.profilesDir);
  await checkPorts(devices);
  await mkdir(config.dataDir, { recursive: true });
  const privacy = await loadPrivacy(config, devices);
  const tls = await loadTls(config);
  const outbox = new Outbox(join(config.dataDir, 'outbox.db'), { maxBytes: config.outbox.maxBytes });

  let uplink: Uplink | undefined;
  let drivers: ReadonlyMap<string, DeviceDriver> = new Map();
  const execute = async (device: string, method: string, params: Record<string, unknown>) => {
    const driver = drivers.get(device);
    if (!driver) throw new Error(`unknown device "${device}" on this gateway`);
    return driver.execute(method, params);
  };
  const classroom = createClassroomSink({
    site: config.site,
    node: config.node,
    outbox,
    writeDelayMs: config.outbox.writeDelayMs,
    drain: () => uplink?.drain(),
    availability: (device, online, reason) => uplink?.setAvailability(device, online, reason),
    cardReaders: new Set(devices.filter(({ profile }) => profile.category === 'card-reader').map(({ instance }) => instance.id)),
    pseudonymiser: privacy.pseudonymiser,
    rules: config.rules ? new ClassroomRules(config.rules, privacy.roster) : undefined,
    execute,
    log: log.child({ part: 'classroom' }),
  });
  const sink = classroom.sink;
  let deviceSet: Awaited<ReturnType<typeof openDeviceSet>>;
  try {
    deviceSet = await openDeviceSet(devices, {
      offlineAfterMisses: config.offlineAfterMisses,
      ...(config.serialReadGapMs === undefined ? {} : { serialReadGapMs: config.serialReadGapMs }),
      sink,
      log,
      hid: () => hid ?? nodeHid(),
      ...(config.pjlinkNotifications ? { pjlinkNotifications: config.pjlinkNotifications } : {}),
    });
  } catch (error) {
    outbox.close();
    throw error;
  }

  uplink = new Uplink({
    url: config.mqtt.url,
    username: config.mqtt.username,
    password: config.mqtt.password,
    ...(config.mqtt.maxPublishRate ? { maxPublishRate: config.mqtt.maxPublishRate } : {}),
    ...(config.mqtt.recordsPerMessage ? { recordsPerMessage: config.mqtt.recordsPerMessage } : {}),
    site: config.site,
    node: config.node,
    version: AGENT_VERSION,
    outbox,
    birth: () => birthOf(config, devices),
    log: log.child({ part: 'uplink' }),
    ...(tls ? { tls } : {}),
    onCommand: (command) => void commands.handle(command),
    onConnected: () => commands.flush(),
  });
  const running = uplink;
  drivers = deviceSet.drivers;
  const commands = new CommandProcessor({
    file: join(config.dataDir, 'commands.db'),
    resolve: (device) => commandTarget(devices, drivers, device),
    publish: (result) => running.publishCommandResult(result),
    log: log.child({ part: 'commands' }),
  });
  running.start();
  deviceSet.start();
  const startedAt = Date.now();
  const health = new HealthReporter(outbox, running);
  const timers = [
    setInterval(() => running.publishHealth(health.snapshot(startedAt)), config.healthIntervalS * 1000),
    setInterval(() => classroom.tick(Date.now()), 5000),
    setInterval(() => void writeStatus(config.dataDir, statusOf(config, devices, running, outbox, startedAt)).catch(() => undefined), 5000),
  ];
  for (const timer of timers) timer.unref();
  void writeStatus(config.dataDir, statusOf(config, devices, running, outbox, startedAt)).catch(() => undefined);
  log.info({ site: config.site, node: config.node, devices: devices.length }, 'gateway started');

  return {
    uplink: running,
    outbox,
    drivers: deviceSet.drivers,
    commands,
    async stop() {
      for (const timer of timers) clearInterval(timer);
      await deviceSet.stop();
      classroom.flush();
      await running.stop();
      commands.close();
      outbox.close();
    },
  };
}

/** Card privacy: a card reader needs the site secret; roster keys must be pseudonyms. Errors name the field. */
async function loadPrivacy(config: GatewayConfig, devices: BoundDevice[]): Promise<{ pseudonymiser?: CardPseudonymiser; roster: Roster }> {
  let roster: Roster;
  try {
    roster = parseRoster(config.roster, 'roster');
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
  const reader = devices.find(({ profile }) => profile.category === 'card-reader');
  if (!config.privacy) {
    if (reader) {
      throw new ConfigError(
        `privacy.secretFile: required because device "${reader.instance.id}" is a card reader (card ids are pseudonymised with the site secret before they are stored)`,
      );
    }
    return { roster };
  }
  try {
    return { pseudonymiser: new CardPseudonymiser(await loadSiteSecret(config.privacy.secretFile)), roster };
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
}

/** TLS material for `mqtts://`: files named in the config, read once at start. */
async function loadTls(config: GatewayConfig): Promise<{ ca: Buffer; cert?: Buffer; key?: Buffer } | undefined> {
  const read = async (field: 'ca' | 'cert' | 'key') => {
    const file = config.mqtt[field];
    if (!file) return undefined;
    try {
      return await readFile(file);
    } catch (error) {
      throw new ConfigError(`mqtt.${field}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
  };
  const [ca, cert, key] = [await read('ca'), await read('cert'), await read('key')];
  if (!ca) {
    if (cert || key) throw new ConfigError('mqtt.ca: required with a client certificate');
    return undefined;
  }
  if (Boolean(cert) !== Boolean(key)) throw new ConfigError(`mqtt.${cert ? 'key' : 'cert'}: a client certificate needs both cert and key`);
  return { ca, ...(cert ? { cert } : {}), ...(key ? { key } : {}) };
}

/** How a command from the ops-center reaches a device: validated against the profile, then run by its driver. */
function commandTarget(devices: BoundDevice[], drivers: ReadonlyMap<string, DeviceDriver>, device: string): CommandTarget | undefined {
  const bound = devices.find(({ instance }) => instance.id === device);
  const driver = drivers.get(device);
  if (!bound || !driver) return undefined;
  return {
    validate(method, params) {
      const command = bound.profile.commands.find((candidate) => candidate.name === method);
      if (!command) {
        const known = bound.profile.commands.map((candidate) => candidate.name).join(', ') || 'none';
        return `unknown method "${method}" for device "${device}" (known: ${known})`;
      }
      try {
        validateParams(command, params);
        return undefined;
      } catch (error) {
        return (error as Error).message;
      }
    },
    execute: (method, params) => driver.execute(method, params),
  };
}

function statusOf(config: GatewayConfig, devices: BoundDevice[], uplink: Uplink, outbox: Outbox, startedAt: number): AgentStatus {
  const counters = outbox.counters();
  return {
    ts: Date.now(),
    pid: process.pid,
    startedAt,
    site: config.site,
    node: config.node,
    broker: { url: config.mqtt.url, connected: uplink.connected },
    devices: devices.map(({ instance, profile }) => {
      const availability = uplink.availabilityOf(instance.id);
      return {
        id: instance.id,
        profile: profile.id,
        ...(availability ? { online: availability.online, ...(availability.reason ? { reason: availability.reason } : {}) } : {}),
      };
    }),
    outbox: {
      depth: outbox.depth(),
      bytes: outbox.bytes(),
      appended: counters.appended,
      acknowledged: counters.acknowledged,
      dropped: counters.droppedTelemetry + counters.droppedEvents + counters.refused,
    },
  };
}

/**
 * Each configured device with its profile, from validated profiles or a folder of them (read and validated in
 * the start-up helper, so that yaml and zod stay out of this thread).
 */
export async function bindProfiles(config: GatewayConfig, source?: string | ReadonlyMap<string, Profile>): Promise<BoundDevice[]> {
  const profiles = typeof source === 'object' ? source : (await validateInHelper({ profilesDir: source })).profiles;
  return config.devices.map((instance, index) => {
    const profile = profiles.get(instance.profile);
    if (!profile) {
      const known = [...profiles.keys()].sort().join(', ');
      throw new ConfigError(`devices.${index}.profile: unknown profile "${instance.profile}" (known: ${known})`);
    }
    return { instance, profile, index, endpoint: resolveEndpoint(instance, profile, index) };
  });
}

async function checkPorts(devices: BoundDevice[]): Promise<void> {
  for (const { instance, index, endpoint } of devices) {
    if (endpoint.kind !== 'serial') continue;
    try {
      await stat(endpoint.port);
    } catch {
      throw new ConfigError(`devices.${index}.port: serial port ${endpoint.port} does not exist (device "${instance.id}")`);
    }
  }
}

function birthOf(config: GatewayConfig, devices: BoundDevice[]): BirthPayload {
  return {
    v: 1,
    ts: Date.now(),
    kind: 'gateway',
    version: AGENT_VERSION,
    ...(config.room ? { room: config.room } : {}),
    devices: devices.map(({ instance, profile }) => ({
      id: instance.id,
      profile: profile.id,
      ...(instance.name ? { name: instance.name } : {}),
      exposes: [
        ...profile.readings.map((reading) => ({
          name: reading.name,
          kind: 'reading' as const,
          ...(reading.unit ? { unit: reading.unit } : {}),
        })),
        ...profile.events.map((event) => ({ name: event.name.replaceAll('-', '_'), kind: 'event' as const })),
        ...profile.commands.map((command) => ({ name: command.name.replaceAll('-', '_'), kind: 'command' as const })),
      ],
    })),
  };
}
