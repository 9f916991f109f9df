import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, loadGatewayConfig, parseGatewayConfig } from './config.js';

const valid = {
  site: 'ttht-an-dong',
  node: 'gw-p204',
  mqtt: { url: 'mqtt://127.0.0.1:1883' },
  dataDir: '/var/lib/lophoc/agent',
  devices: [{ id: 'th-1', profile: 'xy-md02', port: '/dev/ttyUSB0' }],
};

describe('gateway config', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lophoc-config-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('applies defaults', () => {
    expect(parseGatewayConfig(valid)).toMatchObject({ offlineAfterMisses: 3, healthIntervalS: 30 });
    expect(parseGatewayConfig(valid).mqtt.recordsPerMessage).toBeUndefined();
    expect(parseGatewayConfig({ ...valid, mqtt: { ...valid.mqtt, recordsPerMessage: 100 } }).mqtt.recordsPerMessage).toBe(100);
  });

  it.each([
    [{ ...valid, node: 'GW 1' }, 'agent.yaml: node: must match'],
    [{ ...valid, mqtt: { url: 'http://x' } }, 'agent.yaml: mqtt.url: must be an mqtt://'],
    [{ ...valid, mqtt: { url: 'wss://hub.example:8884' } }, 'agent.yaml: mqtt.url: must be an mqtt:// or mqtts:// URL (WebSocket'],
    [{ ...valid, devices: [{ ...valid.devices[0], id: 'ack' }] }, 'agent.yaml: devices.0.id: is reserved'],
    [{ ...valid, devices: [valid.devices[0], valid.devices[0]] }, 'agent.yaml: devices.1.id: duplicate device id "th-1"'],
    [{ ...valid, devices: [{ ...valid.devices[0], baud: 9600 }] }, 'agent.yaml: devices.0: Unrecognized key: "baud"'],
    [{ ...valid, dataDir: undefined }, 'agent.yaml: dataDir:'],
    [{ ...valid, mqtt: { ...valid.mqtt, recordsPerMessage: 0 } }, 'agent.yaml: mqtt.recordsPerMessage:'],
    [{ ...valid, mqtt: { ...valid.mqtt, recordsPerMessage: 1001 } }, 'agent.yaml: mqtt.recordsPerMessage:'],
  ])('refuses a wrong field, naming it (%#)', (config, message) => {
    expect(() => parseGatewayConfig(config, 'agent.yaml')).toThrow(message);
  });

  it('names the file when it is missing or not YAML', async () => {
    await expect(loadGatewayConfig(join(dir, 'none.yaml'))).rejects.toThrow(/none.yaml: cannot read the gateway config \(ENOENT\)/);
    await writeFile(join(dir, 'bad.yaml'), 'site: [unclosed\n');
    await expect(loadGatewayConfig(join(dir, 'bad.yaml'))).rejects.toThrow(ConfigError);
    await expect(loadGatewayConfig(join(dir, 'bad.yaml'))).rejects.toThrow(/bad.yaml: not valid YAML/);
  });
});
