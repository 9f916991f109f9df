import { type DiscoveredDevice, discoverDevices, type PjlinkSearchResult, pjlinkSearch } from './discovery.js';
import { validateInHelper } from './startup/helper.js';
import { nodeHid } from './transports/hid-source.js';

/** One line per device, for a technician writing the gateway config. */
export function formatDiscovery(devices: readonly DiscoveredDevice[], projectors: readonly PjlinkSearchResult[]): string {
  const lines = devices.map((device) => {
    const id = device.vid && device.pid ? `${device.vid}:${device.pid}` : '—';
    const fits =
      device.profiles.length > 0
        ? `profile: ${device.profiles.join(' or ')}`
        : device.vid
          ? 'no profile matches this USB id'
          : 'not a USB device: choose its profile by hand';
    return `${device.transport.padEnd(6)} ${device.path.padEnd(40)} ${id.padEnd(9)} ${fits}${device.description ? `  (${device.description})` : ''}`;
  });
  for (const projector of projectors) lines.push(`pjlink ${projector.address.padEnd(40)} ${projector.mac}  profile: pjlink (class 2)`);
  return lines.length > 0 ? `${lines.join('\n')}\n` : 'no serial, HID or PJLink devices found\n';
}

/** `lophoc-agent discover [--pjlink BROADCAST]`: lists what is plugged in and which profile fits each. */
export async function runDiscover(args: string[]): Promise<string> {
  const at = args.indexOf('--pjlink');
  const broadcast = at >= 0 ? args[at + 1] : undefined;
  if (at >= 0 && !broadcast) throw new Error('--pjlink needs the broadcast address of the classroom network, e.g. 192.168.10.255');
  const profiles = (await validateInHelper({})).profiles.values();
  const [devices, projectors] = await Promise.all([
    discoverDevices(profiles, { hid: nodeHid() }),
    broadcast ? pjlinkSearch({ broadcast }) : Promise.resolve([]),
  ]);
  return formatDiscovery(devices, projectors);
}
