import { loadProfiles } from '@lophoc/device-profiles';
import { startPjlinkProjector } from '@lophoc/simulators';
import { describe, expect, it } from 'vitest';
import { formatDiscovery, runDiscover } from './discover-command.js';
import { discoverDevices, matchProfiles, pjlinkSearch } from './discovery.js';

describe('discovery', () => {
  it('matches USB VID/PID to profiles, any case', async () => {
    const profiles = [...(await loadProfiles()).values()];
    expect(matchProfiles(profiles, 'FFFF', '0035')).toEqual(['hid-rfid-reader']);
    expect(matchProfiles(profiles, '05e0', '1200')).toEqual(['hid-barcode-scanner']);
    expect(matchProfiles(profiles, '1a86', '7523')).toEqual([]);
    expect(matchProfiles(profiles, undefined, '7523')).toEqual([]);
  });

  it('lists serial ports and HID devices with the profiles that fit', async () => {
    const profiles = (await loadProfiles()).values();
    const found = await discoverDevices(profiles, {
      serial: async () => [{ path: '/dev/ttyUSB0', vendorId: '1A86', productId: '7523', manufacturer: 'QinHeng' }],
      hid: {
        list: async () => [
          { path: '/dev/hidraw0', vendorId: 0xffff, productId: 0x35, manufacturer: 'Sycreader', product: 'RFID Technology' },
          { vendorId: 1, productId: 2 },
        ],
        open: async () => {
          throw new Error('not used');
        },
      },
    });
    expect(found).toEqual([
      { transport: 'serial', path: '/dev/ttyUSB0', vid: '1a86', pid: '7523', description: 'QinHeng', profiles: [] },
      {
        transport: 'hid',
        path: '/dev/hidraw0',
        vid: 'ffff',
        pid: '0035',
        description: 'Sycreader RFID Technology',
        profiles: ['hid-rfid-reader'],
      },
    ]);
  });

  it('lists the real serial ports of this machine without failing (ptys are not listed by udev)', async () => {
    const found = await discoverDevices((await loadProfiles()).values());
    expect(Array.isArray(found)).toBe(true);
    for (const device of found) expect(device.transport).toBe('serial');
  });

  it('finds a class 2 projector with %2SRCH on the interface', async () => {
    const class2 = await startPjlinkProjector({ macAddress: '00:1B:44:11:3A:B7' });
    const results = await pjlinkSearch({ broadcast: '127.0.0.1', port: class2.udpPort!, waitMs: 300 });
    expect(results).toEqual([{ address: '127.0.0.1', port: class2.udpPort, mac: '00:1b:44:11:3a:b7' }]);
    await class2.stop();
  });
});

describe('lophoc-agent discover', () => {
  it('formats one line per device and per projector', () => {
    expect(
      formatDiscovery(
        [
          {
            transport: 'hid',
            path: '/dev/hidraw0',
            vid: 'ffff',
            pid: '0035',
            description: 'Sycreader RFID',
            profiles: ['hid-rfid-reader'],
          },
          { transport: 'serial', path: '/dev/ttyUSB0', vid: '1a86', pid: '7523', profiles: [] },
        ],
        [{ address: '192.168.10.21', port: 4352, mac: '00:1b:44:11:3a:b7' }],
      ),
    ).toBe(
      [
        `hid    ${'/dev/hidraw0'.padEnd(40)} ffff:0035 profile: hid-rfid-reader  (Sycreader RFID)`,
        `serial ${'/dev/ttyUSB0'.padEnd(40)} 1a86:7523 no profile matches this USB id`,
        `pjlink ${'192.168.10.21'.padEnd(40)} 00:1b:44:11:3a:b7  profile: pjlink (class 2)`,
        '',
      ].join('\n'),
    );
    expect(formatDiscovery([], [])).toBe('no serial, HID or PJLink devices found\n');
  });
  it('runs against this machine (real serialport and node-hid) without failing', async () => {
    expect(typeof (await runDiscover([]))).toBe('string');
    await expect(runDiscover(['--pjlink'])).rejects.toThrow('--pjlink needs the broadcast address');
  });
});
