import type { HidKeyboardCodec, ModbusProfile, Profile } from '@lophoc/device-profiles';
import { isFrameProfile, isLineProfile, isModbusProfile } from '@lophoc/device-profiles/fields';
import type { Logger } from '@lophoc/scripts/logger';
import type { DeviceInstance } from './config.js';
import { ConfigError } from './config-error.js';
import { ModbusPoller } from './devices/modbus-poller.js';
import type { DeviceDriver, DeviceSink } from './drivers/driver.js';
import { FrameDriver } from './drivers/frame-driver.js';
import { HidKeyboardDriver } from './drivers/hid-keyboard-driver.js';
import { LineDriver } from './drivers/line-driver.js';
import { type NotifiedDevice, PjlinkNotificationListener } from './drivers/pjlink-notifications.js';
import type { ModbusReadingSpec } from './modbus/request-plan.js';
import { ModbusRtuBus, type SerialSettings } from './modbus/rtu-bus.js';
import { type HidBackend, HidLink } from './transports/hid-source.js';
import type { ByteLink } from './transports/link.js';
import { SerialLink } from './transports/serial-link.js';
import { TcpLink } from './transports/tcp-link.js';

/** An instance of the gateway config bound to its profile and to where it is reached. */
export interface BoundDevice {
  instance: DeviceInstance;
  profile: Profile;
  index: number;
  endpoint:
    | { kind: 'serial'; port: string }
    | { kind: 'tcp'; host: string; port: number }
    | { kind: 'hid'; path?: string; vendorId?: number; productId?: number };
}

export interface DeviceSetOptions {
  offlineAfterMisses: number;
  /** See the gateway config's `serialReadGapMs` (SerialLink's default when absent). */
  serialReadGapMs?: number;
  sink: DeviceSink;
  log: Logger;
  hid: () => HidBackend;
  /** Listen for PJLink class 2 notifications on this UDP port. */
  pjlinkNotifications?: { port: number; bindAddress?: string };
}

export interface DeviceSet {
  readonly drivers: Map<string, DeviceDriver>;
  readonly pjlink: PjlinkNotificationListener | undefined;
  start(): void;
  stop(): Promise<void>;
}

/** Where each device is reached, from its profile's transport and the instance's port, host or hid fields. */
export function resolveEndpoint(instance: DeviceInstance, profile: Profile, index: number): BoundDevice['endpoint'] {
  const at = `devices.${index}`;
  const { transport } = profile;
  if (transport.serial) {
    if (!instance.port) throw new ConfigError(`${at}.port: "${profile.id}" is a serial device; give its port (e.g. /dev/ttyUSB0)`);
    return { kind: 'serial', port: instance.port };
  }
  if (transport.tcp) {
    if (!instance.host) throw new ConfigError(`${at}.host: "${profile.id}" is reached over TCP; give its host`);
    return { kind: 'tcp', host: instance.host, port: instance.tcpPort ?? transport.tcp.port };
  }
  if (transport.hid) {
    const usb = profile.usb[0];
    const vid = instance.hid?.vid ?? usb?.vid;
    const pid = instance.hid?.pid ?? usb?.pid;
    if (!instance.hid?.path && (!vid || !pid))
      throw new ConfigError(`${at}.hid: give path, or vid and pid ("${profile.id}" lists no USB id)`);
    return {
      kind: 'hid',
      ...(instance.hid?.path ? { path: instance.hid.path } : {}),
      ...(vid && pid ? { vendorId: Number.parseInt(vid, 16), productId: Number.parseInt(pid, 16) } : {}),
    };
  }
  throw new ConfigError(`${at}.profile: "${profile.id}" is reached over UDP, which the agent does not drive`);
}

/**
 * Opens every transport and builds one driver per device. Modbus RTU devices on one serial port share one bus
 * (RS-485); any other serial device needs its port to itself. Fails (after closing what it opened) when a serial
 * port cannot be opened at start-up; later losses are handled by the transports' reconnection.
 */
export async function openDeviceSet(devices: readonly BoundDevice[], options: DeviceSetOptions): Promise<DeviceSet> {
  checkSharing(devices);
  const buses = new Map<string, ModbusRtuBus>();
  const links: { stop(): Promise<void> }[] = [];
  const drivers = new Map<string, DeviceDriver>();
  const closeAll = async () => {
    await Promise.all([...buses.values()].map((bus) => bus.close()));
    await Promise.all(links.map((link) => link.stop()));
  };
  let pjlink: PjlinkNotificationListener | undefined;
  try {
    for (const bound of devices) {
      const driver = await buildDriver(bound, options, buses, links);
      drivers.set(bound.instance.id, driver);
    }
    if (options.pjlinkNotifications) {
      const notified: NotifiedDevice[] = devices.flatMap(({ instance, profile, endpoint }) => {
        const driver = drivers.get(instance.id);
        if (!(driver instanceof LineDriver) || profile.codec.kind !== 'line' || profile.codec.auth !== 'pjlink' || endpoint.kind !== 'tcp')
          return [];
        return [
          {
            device: instance.id,
            host: endpoint.host,
            udpPort: instance.udpPort ?? 4352,
            notified: (name, raw) => driver.notified(name, raw),
          },
        ];
      });
      pjlink = new PjlinkNotificationListener(notified, {
        ...options.pjlinkNotifications,
        log: options.log.child({ part: 'pjlink-class2' }),
      });
      try {
        await pjlink.start();
      } catch (error) {
        throw new ConfigError(
          `pjlinkNotifications.port: cannot listen on UDP ${options.pjlinkNotifications.port}: ${(error as Error).message}`,
        );
      }
      links.push(pjlink);
    }
  } catch (error) {
    await closeAll();
    throw error;
  }
  return {
    drivers,
    pjlink,
    start() {
      for (const driver of drivers.values()) driver.start();
    },
    async stop() {
      await Promise.all([...drivers.values()].map((driver) => driver.stop()));
      await closeAll();
    },
  };
}

function checkSharing(devices: readonly BoundDevice[]): void {
  const users = new Map<string, BoundDevice>();
  for (const bound of devices) {
    if (bound.endpoint.kind !== 'serial') continue;
    const other = users.get(bound.endpoint.port);
    if (other && !(bound.profile.codec.kind === 'modbus-rtu' && other.profile.codec.kind === 'modbus-rtu')) {
      throw new ConfigError(
        `devices.${bound.index}.port: ${bound.endpoint.port} is already used by "${other.instance.id}"; only Modbus RTU devices share a port (RS-485)`,
      );
    }
    users.set(bound.endpoint.port, bound);
  }
}

async function buildDriver(
  bound: BoundDevice,
  options: DeviceSetOptions,
  buses: Map<string, ModbusRtuBus>,
  links: { stop(): Promise<void> }[],
): Promise<DeviceDriver> {
  const { instance, profile, endpoint, index } = bound;
  const log = options.log.child({ part: 'driver', device: instance.id });
  const common = { device: instance.id, sink: options.sink, log, offlineAfterMisses: options.offlineAfterMisses };

  if (isModbusProfile(profile)) {
    const bus = await modbusBus(bound, buses);
    return new ModbusPoller({
      ...common,
      unitId: instance.unitId ?? profile.codec.unitId,
      timeoutMs: profile.codec.timeoutMs,
      retries: profile.codec.retries,
      groups: readingGroups(profile),
      commands: profile.commands,
      bus,
    });
  }
  if (endpoint.kind === 'hid') {
    const link = new HidLink(instance.id, endpoint, options.hid());
    links.push(link);
    return new HidKeyboardDriver({ ...common, profile: profile as Profile & { codec: HidKeyboardCodec }, link });
  }
  let link: ByteLink;
  if (endpoint.kind === 'serial') {
    const serial = new SerialLink(endpoint.port, serialSettings(instance, profile), {}, undefined, options.serialReadGapMs);
    links.push(serial);
    try {
      await serial.openNow();
    } catch (error) {
      throw new ConfigError(`devices.${index}.port: ${(error as Error).message}`);
    }
    link = serial;
  } else {
    link = new TcpLink(endpoint.host, endpoint.port);
    links.push(link);
  }
  if (isLineProfile(profile))
    return new LineDriver({ ...common, profile, link, ...(instance.password ? { password: instance.password } : {}) });
  if (isFrameProfile(profile)) return new FrameDriver({ ...common, profile, link });
  throw new ConfigError(`devices.${index}.profile: the ${profile.codec.kind} codec cannot run over ${endpoint.kind}`);
}

async function modbusBus(bound: BoundDevice, buses: Map<string, ModbusRtuBus>): Promise<ModbusRtuBus> {
  const { endpoint, instance, profile, index } = bound;
  const key = endpoint.kind === 'serial' ? endpoint.port : endpoint.kind === 'tcp' ? `${endpoint.host}:${endpoint.port}` : '';
  const existing = buses.get(key);
  if (existing) return existing;
  let bus: ModbusRtuBus;
  if (endpoint.kind === 'serial') {
    try {
      bus = await ModbusRtuBus.open(endpoint.port, serialSettings(instance, profile));
    } catch (error) {
      throw new ConfigError(`devices.${index}.port: cannot open ${endpoint.port}: ${(error as Error).message}`);
    }
  } else if (endpoint.kind === 'tcp') {
    bus = ModbusRtuBus.openTcp(endpoint.host, endpoint.port);
  } else {
    throw new ConfigError(`devices.${index}.profile: Modbus does not run over HID`);
  }
  buses.set(key, bus);
  return bus;
}

export function serialSettings(instance: DeviceInstance, profile: Profile): SerialSettings {
  const serial = profile.transport.serial;
  if (!serial) throw new ConfigError(`profile "${profile.id}" has no serial transport`);
  return {
    baudRate: instance.serial?.baudRate ?? serial.baudRate,
    dataBits: serial.dataBits as SerialSettings['dataBits'],
    parity: instance.serial?.parity ?? serial.parity,
    stopBits: serial.stopBits as SerialSettings['stopBits'],
  };
}

function readingGroups(profile: ModbusProfile): { intervalMs: number; jitterMs?: number; readings: ModbusReadingSpec[] }[] {
  const groups = new Map<string, { intervalMs: number; jitterMs?: number; readings: ModbusReadingSpec[] }>();
  for (const reading of profile.readings) {
    const modbus = reading.modbus;
    const key = `${reading.intervalMs}/${reading.jitterMs ?? 0}`;
    const group = groups.get(key) ?? {
      intervalMs: reading.intervalMs,
      ...(reading.jitterMs ? { jitterMs: reading.jitterMs } : {}),
      readings: [],
    };
    group.readings.push({
      name: reading.name,
      function: modbus.function,
      address: modbus.address,
      layout: { type: modbus.type, scale: modbus.scale, offset: modbus.offset, wordOrder: modbus.wordOrder },
    });
    groups.set(key, group);
  }
  return [...groups.values()];
}
