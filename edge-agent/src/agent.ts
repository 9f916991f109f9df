import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { loadProfiles, type Profile } from '@lophoc/device-profiles';
import { type BirthPayload, buildTopic } from '@lophoc/protocol';
import type { Logger } from 'pino';
import { ConfigError, type DeviceInstance, type GatewayConfig } from './config.js';
import { type DeviceSink, ModbusPoller } from './devices/modbus-poller.js';
import type { ModbusReadingSpec } from './modbus/request-plan.js';
import { ModbusRtuBus, type SerialSettings } from './modbus/rtu-bus.js';
import { Outbox, Priority } from './uplink/outbox.js';
import { Uplink } from './uplink/uplink.js';

export const AGENT_VERSION = '0.1.0';

export interface RunningAgent {
  readonly uplink: Uplink;
  readonly outbox: Outbox;
  stop(): Promise<void>;
}

type ModbusRtuCodec = Extract<Profile['codec'], { kind: 'modbus-rtu' }>;

interface BoundDevice {
  instance: DeviceInstance;
  profile: Profile;
  codec: ModbusRtuCodec;
  index: number;
}

/**
 * Starts the gateway: checks the config against the profiles and the machine, opens the outbox, the serial
 * buses and the MQTT session, then starts polling. Any start-up failure closes what was opened and throws
 * one clear error.
 */
export async function startAgent(config: GatewayConfig, log: Logger, profilesDir?: string): Promise<RunningAgent> {
  const devices = await bindProfiles(config, profilesDir);
  await checkPorts(devices);
  await mkdir(config.dataDir, { recursive: true });
  const outbox = new Outbox(join(config.dataDir, 'outbox.db'));
  const buses = new Map<string, ModbusRtuBus>();
  const cleanup = async () => {
    await Promise.all([...buses.values()].map((bus) => bus.close()));
    outbox.close();
  };
  try {
    for (const { instance, profile, index } of devices) {
      if (buses.has(instance.port)) continue;
      try {
        buses.set(instance.port, await ModbusRtuBus.open(instance.port, serialSettings(instance, profile)));
      } catch (error) {
        throw new ConfigError(`devices.${index}.port: cannot open ${instance.port}: ${(error as Error).message}`);
      }
    }
  } catch (error) {
    await cleanup();
    throw error;
  }

  const uplink = new Uplink({
    url: config.mqtt.url,
    username: config.mqtt.username,
    password: config.mqtt.password,
    site: config.site,
    node: config.node,
    version: AGENT_VERSION,
    outbox,
    birth: () => birthOf(config, devices),
    log: log.child({ part: 'uplink' }),
  });
  const sink: DeviceSink = {
    telemetry(device, values, ts) {
      const topic = buildTopic({ kind: 'telemetry', site: config.site, node: config.node, device });
      outbox.append(topic, Priority.telemetry, (seq) => ({ v: 1, ts, seq, values }));
      uplink.drain();
    },
    availability(device, online, reason) {
      uplink.setAvailability(device, online, reason);
    },
  };
  const pollers = devices.map(
    ({ instance, profile, codec }) =>
      new ModbusPoller({
        device: instance.id,
        unitId: instance.unitId ?? codec.unitId,
        timeoutMs: codec.timeoutMs,
        retries: codec.retries,
        groups: readingGroups(profile),
        offlineAfterMisses: config.offlineAfterMisses,
        bus: buses.get(instance.port)!,
        sink,
        log: log.child({ part: 'poller', device: instance.id }),
      }),
  );
  uplink.start();
  for (const poller of pollers) poller.start();
  const startedAt = Date.now();
  const health = setInterval(() => {
    uplink.publishHealth({
      v: 1,
      ts: Date.now(),
      uptimeS: (Date.now() - startedAt) / 1000,
      rssBytes: process.memoryUsage.rss(),
      outboxDepth: outbox.depth(),
      rates: { published: uplink.stats.published, acknowledged: uplink.stats.acknowledged },
    });
  }, config.healthIntervalS * 1000);
  health.unref();
  log.info({ site: config.site, node: config.node, devices: devices.length }, 'gateway started');

  return {
    uplink,
    outbox,
    async stop() {
      clearInterval(health);
      for (const poller of pollers) poller.stop();
      await uplink.stop();
      await cleanup();
    },
  };
}

async function bindProfiles(config: GatewayConfig, profilesDir?: string): Promise<BoundDevice[]> {
  const profiles = await loadProfiles(profilesDir);
  return config.devices.map((instance, index) => {
    const profile = profiles.get(instance.profile);
    if (!profile) {
      const known = [...profiles.keys()].sort().join(', ');
      throw new ConfigError(`devices.${index}.profile: unknown profile "${instance.profile}" (known: ${known})`);
    }
    const codec = profile.codec;
    if (codec.kind !== 'modbus-rtu') {
      throw new ConfigError(`devices.${index}.profile: "${profile.id}" uses the ${codec.kind} codec, which this agent does not drive yet`);
    }
    return { instance, profile, codec, index };
  });
}

async function checkPorts(devices: BoundDevice[]): Promise<void> {
  for (const { instance, index } of devices) {
    try {
      await stat(instance.port);
    } catch {
      throw new ConfigError(`devices.${index}.port: serial port ${instance.port} does not exist (device "${instance.id}")`);
    }
  }
}

function serialSettings(instance: DeviceInstance, profile: Profile): SerialSettings {
  const serial = profile.transport.serial;
  if (!serial) throw new ConfigError(`profile "${profile.id}" has no serial transport`);
  return {
    baudRate: instance.serial?.baudRate ?? serial.baudRate,
    dataBits: serial.dataBits as SerialSettings['dataBits'],
    parity: instance.serial?.parity ?? serial.parity,
    stopBits: serial.stopBits as SerialSettings['stopBits'],
  };
}

function readingGroups(profile: Profile): { intervalMs: number; readings: ModbusReadingSpec[] }[] {
  const groups = new Map<number, ModbusReadingSpec[]>();
  for (const reading of profile.readings ?? []) {
    const modbus = reading.modbus;
    if (!modbus) continue;
    if (modbus.function !== 'input' && modbus.function !== 'holding') {
      throw new ConfigError(`profile "${profile.id}": reading "${reading.name}" reads ${modbus.function} registers, not supported yet`);
    }
    const list = groups.get(reading.intervalMs) ?? [];
    list.push({
      name: reading.name,
      function: modbus.function,
      address: modbus.address,
      layout: { type: modbus.type, scale: modbus.scale, offset: modbus.offset, wordOrder: modbus.wordOrder },
    });
    groups.set(reading.intervalMs, list);
  }
  return [...groups].map(([intervalMs, readings]) => ({ intervalMs, readings }));
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
        ...(profile.readings ?? []).map((reading) => ({
          name: reading.name,
          kind: 'reading' as const,
          ...(reading.unit ? { unit: reading.unit } : {}),
        })),
        ...(profile.commands ?? []).map((command) => ({ name: command.name.replaceAll('-', '_'), kind: 'command' as const })),
      ],
    })),
  };
}
