import { createSocket } from 'node:dgram';
import type { Profile } from '@lophoc/device-profiles';
import { type HidBackend, type HidDeviceInfo, hex4 } from './transports/hid-source.js';

/** A serial or HID device seen on this machine, with the profiles whose USB ids it carries. */
export interface DiscoveredDevice {
  transport: 'serial' | 'hid';
  path: string;
  vid?: string;
  pid?: string;
  description?: string;
  profiles: string[];
}

export interface SerialPortInfo {
  path: string;
  vendorId?: string;
  productId?: string;
  manufacturer?: string;
  serialNumber?: string;
  pnpId?: string;
}

/** Profiles whose `usb` list holds this VID/PID (hex, any case), sorted by id. */
export function matchProfiles(profiles: Iterable<Profile>, vid: string | undefined, pid: string | undefined): string[] {
  if (!vid || !pid) return [];
  const v = vid.toLowerCase();
  const p = pid.toLowerCase();
  return [...profiles]
    .filter((profile) => profile.usb.some((usb) => usb.vid.toLowerCase() === v && usb.pid.toLowerCase() === p))
    .map((profile) => profile.id)
    .sort();
}

/**
 * Lists serial ports (serialport, through udev) and HID devices (node-hid) and names the profiles that fit each by
 * USB VID/PID. A technician picks from this list to write the gateway config. Listing HID needs read access to
 * /dev/hidraw* (udev rule in docs/devices.md); a failing backend yields no HID devices rather than no list at all.
 */
export async function discoverDevices(
  profiles: Iterable<Profile>,
  sources: { serial?: () => Promise<SerialPortInfo[]>; hid?: HidBackend } = {},
): Promise<DiscoveredDevice[]> {
  const listSerial = sources.serial ?? (async () => (await import('serialport')).SerialPort.list());
  const all = [...profiles];
  const serial = await listSerial().catch(() => [] as SerialPortInfo[]);
  const hid: HidDeviceInfo[] = sources.hid ? await sources.hid.list().catch(() => []) : [];
  return [
    ...serial.map((port) => ({
      transport: 'serial' as const,
      path: port.path,
      ...(port.vendorId ? { vid: port.vendorId.toLowerCase() } : {}),
      ...(port.productId ? { pid: port.productId.toLowerCase() } : {}),
      ...(port.manufacturer ? { description: port.manufacturer } : {}),
      profiles: matchProfiles(all, port.vendorId, port.productId),
    })),
    ...hid
      .filter((device) => device.path)
      .map((device) => ({
        transport: 'hid' as const,
        path: device.path!,
        vid: hex4(device.vendorId),
        pid: hex4(device.productId),
        ...(device.product ? { description: [device.manufacturer, device.product].filter(Boolean).join(' ') } : {}),
        profiles: matchProfiles(all, hex4(device.vendorId), hex4(device.productId)),
      })),
  ];
}

export interface PjlinkSearchResult {
  address: string;
  port: number;
  mac: string;
}

/**
 * PJLink class 2 search (vectors README): sends `%2SRCH\r` to `broadcast` (the interface's broadcast address, or one
 * projector's address) on UDP `port` and collects `%2ACKN=<mac>` answers for `waitMs`. Projectors answer within
 * 30 s by the spec; on a classroom LAN they answer at once, so a few seconds is enough.
 */
export async function pjlinkSearch({
  broadcast = '255.255.255.255',
  port = 4352,
  waitMs = 3000,
  bindAddress,
}: {
  broadcast?: string;
  port?: number;
  waitMs?: number;
  bindAddress?: string;
} = {}): Promise<PjlinkSearchResult[]> {
  const socket = createSocket({ type: 'udp4', reuseAddr: true });
  const found = new Map<string, PjlinkSearchResult>();
  socket.on('message', (message, from) => {
    const ack = /^%2ACKN=([0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5})\r?$/.exec(message.toString('latin1').trim());
    if (ack) found.set(`${from.address}`, { address: from.address, port: from.port, mac: ack[1]!.toLowerCase() });
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind({ port: 0, ...(bindAddress ? { address: bindAddress } : {}) }, () => resolve());
  });
  try {
    socket.setBroadcast(true);
    await new Promise<void>((resolve, reject) => socket.send('%2SRCH\r', port, broadcast, (error) => (error ? reject(error) : resolve())));
    await new Promise((resolve) => setTimeout(resolve, waitMs));
  } finally {
    socket.close();
  }
  return [...found.values()];
}
