import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { loadProfiles } from '@lophoc/device-profiles';
import { type BirthPayload, buildTopic } from '@lophoc/protocol';
import type { Logger } from 'pino';
import { ConfigError, type GatewayConfig } from './config.js';
import { type BoundDevice, openDeviceSet, resolveEndpoint } from './device-set.js';
import type { DeviceDriver, DeviceSink } from './drivers/driver.js';
import { type HidBackend, nodeHid } from './transports/hid-source.js';
import { Outbox, Priority } from './uplink/outbox.js';
import { Uplink } from './uplink/uplink.js';

export const AGENT_VERSION = '0.1.0';

export interface RunningAgent {
  readonly uplink: Uplink;
  readonly outbox: Outbox;
  /** One driver per configured device, by device id: `execute(command, params)` runs a profile command (issue #4). */
  readonly drivers: ReadonlyMap<string, DeviceDriver>;
  stop(): Promise<void>;
}

export interface AgentOptions {
  profilesDir?: string;
  /** How HID devices are found and opened; node-hid unless a test passes recorded devices. */
  hid?: HidBackend;
}

/**
 * Starts the gateway: checks the config against the profiles and the machine, opens the outbox, the device
 * transports (serial buses, TCP, HID) and the MQTT session, then starts the drivers. Any start-up failure closes
 * what was opened and throws one clear error.
 */
export async function startAgent(config: GatewayConfig, log: Logger, options: string | AgentOptions = {}): Promise<RunningAgent> {
  const { profilesDir, hid } = typeof options === 'string' ? { profilesDir: options, hid: undefined } : options;
  const devices = await bindProfiles(config, profilesDir);
  await checkPorts(devices);
  await mkdir(config.dataDir, { recursive: true });
  const outbox = new Outbox(join(config.dataDir, 'outbox.db'));

  let uplink: Uplink | undefined;
  const sink: DeviceSink = {
    telemetry(device, values, ts) {
      const topic = buildTopic({ kind: 'telemetry', site: config.site, node: config.node, device });
      outbox.append(topic, Priority.telemetry, (seq) => ({ v: 1, ts, seq, values }));
      uplink?.drain();
    },
    availability(device, online, reason) {
      uplink?.setAvailability(device, online, reason);
    },
    event(device, type, data, ts) {
      const topic = buildTopic({ kind: 'event', site: config.site, node: config.node, device });
      outbox.append(topic, Priority.event, (seq) => ({ v: 1, ts, seq, type, data }));
      uplink?.drain();
    },
  };
  let deviceSet: Awaited<ReturnType<typeof openDeviceSet>>;
  try {
    deviceSet = await openDeviceSet(devices, {
      offlineAfterMisses: config.offlineAfterMisses,
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
    site: config.site,
    node: config.node,
    version: AGENT_VERSION,
    outbox,
    birth: () => birthOf(config, devices),
    log: log.child({ part: 'uplink' }),
  });
  const running = uplink;
  running.start();
  deviceSet.start();
  const startedAt = Date.now();
  const health = setInterval(() => {
    running.publishHealth({
      v: 1,
      ts: Date.now(),
      uptimeS: (Date.now() - startedAt) / 1000,
      rssBytes: process.memoryUsage.rss(),
      outboxDepth: outbox.depth(),
      rates: { published: running.stats.published, acknowledged: running.stats.acknowledged },
    });
  }, config.healthIntervalS * 1000);
  health.unref();
  log.info({ site: config.site, node: config.node, devices: devices.length }, 'gateway started');

  return {
    uplink: running,
    outbox,
    drivers: deviceSet.drivers,
    async stop() {
      clearInterval(health);
      await deviceSet.stop();
      await running.stop();
      outbox.close();
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
