import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { KioskConfigError, parseKioskConfig } from './config.js';

const minimal = `
site: ttht-cho-quan
node: kiosk-01
contentApiUrl: https://ops.lophoc.example.vn/api/content/v1
`;

describe('kiosk configuration', () => {
  it('applies defaults to a minimal file', () => {
    expect(parseKioskConfig(minimal, '/etc/lophoc-kiosk/kiosk.yaml')).toMatchObject({
      site: 'ttht-cho-quan',
      node: 'kiosk-01',
      dataDir: '/var/lib/lophoc-kiosk',
      memoryLimitMb: 1024,
      nightlyRestart: '03:30',
      extraOrigins: [],
    });
  });

  it('accepts the example shipped in the package', () => {
    const file = new URL('../../deploy/kiosk.example.yaml', import.meta.url);
    expect(parseKioskConfig(readFileSync(file, 'utf8'), 'kiosk.example.yaml')).toMatchObject({
      site: 'ttht-cho-quan',
      printer: { encoding: 'windows-1258', codeTable: 52 },
      scanner: { path: expect.stringContaining('/dev/serial/by-id/') },
    });
  });

  it('reads devices and MQTT', () => {
    const config = parseKioskConfig(
      `${minimal}mqtt: { url: mqtts://broker.lophoc.example.vn:8883, username: ttht-cho-quan.kiosk-01, passwordFile: /etc/lophoc-kiosk/mqtt-password }
printer: { path: /dev/ttyUSB0, encoding: ascii }
scanner: { path: /dev/ttyACM0 }
nightlyRestart: null
`,
      'kiosk.yaml',
    );
    expect(config.printer).toEqual({ path: '/dev/ttyUSB0', baudRate: 9600, encoding: 'ascii', codeTable: 52 });
    expect(config.scanner).toEqual({ path: '/dev/ttyACM0', baudRate: 9600 });
    expect(config.mqtt?.url).toBe('mqtts://broker.lophoc.example.vn:8883');
    expect(config.nightlyRestart).toBeNull();
    expect(parseKioskConfig(`${minimal}scanner: { hid: { vendorId: 0x0c2e, productId: 0x0b61 } }`, 'k.yaml').scanner).toEqual({
      hid: { vendorId: 0x0c2e, productId: 0x0b61 },
    });
  });

  it.each([
    [`${minimal}memoryLimitMb: 12`, /kiosk\.yaml: memoryLimitMb /],
    [`${minimal}printer: { path: /dev/ttyUSB0, encoding: tcvn }`, /kiosk\.yaml: printer\.encoding /],
    [`${minimal}mqtt: { url: http://x }`, /kiosk\.yaml: mqtt\.url must be a mqtt: or mqtts:/],
    ['site: Chợ Quán\nnode: k\ncontentApiUrl: https://x', /kiosk\.yaml: site must be a lower-case id/],
    [`${minimal}pasword: x`, /kiosk\.yaml: .*pasword/],
    ['site: [', /kiosk\.yaml: not valid YAML/],
  ])('refuses a bad file naming the field (%#)', (text, message) => {
    expect(() => parseKioskConfig(text, 'kiosk.yaml')).toThrow(KioskConfigError);
    expect(() => parseKioskConfig(text, 'kiosk.yaml')).toThrow(message);
  });
});
