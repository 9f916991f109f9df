import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { startBroker } from '@lophoc/broker';
import { type ClassroomSimulators, RecordedHidDevice, recordTyping, startClassroomSimulators, wedgeTextForTag } from '@lophoc/simulators';
import mqtt from 'mqtt';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningAgent, startAgent } from './agent.js';
import { CardPseudonymiser } from './classroom/card-privacy.js';
import { parseGatewayConfig } from './config.js';
import type { HidBackend } from './transports/hid-source.js';

const log = pino({ level: 'silent' });
/** Every log line the agent writes in this suite, at debug level, to check that no card id reaches a log. */
const logLines: string[] = [];
const capturingLog = pino(
  { level: 'debug' },
  new Writable({
    write(chunk, _, done) {
      logLines.push(String(chunk));
      done();
    },
  }),
);
const secret = Buffer.alloc(32, 0x5a);
const base = 'lophoc/v1/ttht-an-dong/gw-p202';

/**
 * The whole device layer on real parts: every classroom simulator (pty pairs, TCP, recorded HID reports) → the agent
 * with the shipped profiles → outbox → aedes → an MQTT observer.
 */
describe('a simulated classroom through the agent to MQTT', () => {
  let dir: string;
  let sims: ClassroomSimulators;
  let broker: Awaited<ReturnType<typeof startBroker>>;
  let agent: RunningAgent;
  let client: mqtt.MqttClient;
  const seen = new Map<string, Record<string, unknown>[]>();
  const hidDevice = new RecordedHidDevice('/dev/hidraw3');
  const hid: HidBackend = {
    list: async () => [{ path: hidDevice.path, vendorId: 0xffff, productId: 0x0035, product: 'RFID Reader' }],
    open: async () => hidDevice,
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lophoc-room-'));
    sims = await startClassroomSimulators(dir);
    broker = await startBroker({ port: 0, log });
    client = await mqtt.connectAsync(broker.url, { clientId: 'observer-room' });
    client.on('message', (topic, payload) => seen.set(topic, [...(seen.get(topic) ?? []), JSON.parse(payload.toString())]));
    await client.subscribeAsync(`${base}/#`, { qos: 1 });
    await writeFile(join(dir, 'site.key'), secret.toString('hex'), { mode: 0o600 });
    const config = parseGatewayConfig({
      privacy: { secretFile: join(dir, 'site.key') },
      site: 'ttht-an-dong',
      node: 'gw-p202',
      mqtt: { url: broker.url },
      dataDir: join(dir, 'agent'),
      devices: [...sims.devices, { id: 'door-reader', profile: 'hid-rfid-reader' }],
      pjlinkNotifications: { port: 0, bindAddress: '127.0.0.1' },
    });
    agent = await startAgent(config, capturingLog, { hid });
  }, 20_000);
  afterAll(async () => {
    await agent?.stop();
    await client?.endAsync();
    await broker?.stop();
    await sims?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const values = (device: string) => (seen.get(`${base}/${device}/telemetry`) ?? []).map((p) => p.values as Record<string, number>);
  const events = (device: string) => seen.get(`${base}/${device}/event`) ?? [];

  it('reads every sensor and projector with its shipped profile', async () => {
    await expect.poll(() => values('th-1'), { timeout: 10_000 }).toContainEqual({ temperature: 30.5, humidity: 54.6 });
    await expect.poll(() => values('noise-1'), { timeout: 10_000 }).toContainEqual({ sound_level: 54 });
    await expect.poll(() => values('co2-1'), { timeout: 10_000 }).toContainEqual({ co2: 400 });
    await expect.poll(() => values('co2-2'), { timeout: 10_000 }).toContainEqual({ co2: 400 });
    await expect.poll(() => values('projector-1'), { timeout: 10_000 }).toContainEqual({ power: 0 });
    await expect.poll(() => values('projector-2'), { timeout: 10_000 }).toContainEqual({ power: 0 });
    const birth = seen.get(`${base}/birth`)?.[0] as { devices: { id: string; exposes: { name: string; kind: string }[] }[] };
    expect(birth.devices.find((d) => d.id === 'reader-1')?.exposes).toEqual([{ name: 'card', kind: 'event' }]);
  });

  it('delivers card taps from the RDM6300 and the HID reader as pseudonyms: the same card gives the same one', async () => {
    const pseudonym = new CardPseudonymiser(secret).pseudonym('3887558');
    sims.reader.present('67003B51C6');
    await expect.poll(() => events('reader-1'), { timeout: 5000 }).toHaveLength(1);
    sims.reader.remove();
    expect(events('reader-1')[0]).toEqual({
      v: 1,
      ts: expect.any(Number),
      type: 'card',
      data: { card: pseudonym },
      seq: expect.any(Number),
    });
    await expect.poll(() => seen.get(`${base}/door-reader/availability`)?.at(-1)?.online).toBe(true);
    await hidDevice.play(recordTyping(wedgeTextForTag('67003B51C6')));
    await expect.poll(() => events('door-reader'), { timeout: 5000 }).toHaveLength(1);
    expect(events('door-reader')[0]).toMatchObject({ type: 'card', data: { card: pseudonym } });
  });

  it('leaves the raw card id in no file the agent wrote, no log line and no MQTT message', async () => {
    await expect.poll(() => events('door-reader').length).toBeGreaterThan(0);
    const forms = ['67003B51C6', '003B51C6', '3887558', '0003887558'];
    const leaks = (text: string) => forms.filter((form) => text.toUpperCase().includes(form));
    const files = await readdir(join(dir, 'agent'), { recursive: true, withFileTypes: true });
    for (const file of files.filter((entry) => entry.isFile())) {
      const bytes = await readFile(join(file.parentPath, file.name));
      expect({ file: file.name, leaks: leaks(bytes.toString('latin1')) }).toEqual({ file: file.name, leaks: [] });
    }
    expect(logLines.length).toBeGreaterThan(0);
    expect(logLines.flatMap(leaks)).toEqual([]);
    expect([...seen.values()].flat().flatMap((payload) => leaks(JSON.stringify(payload)))).toEqual([]);
  });

  it('runs projector commands through the drivers and reports the power change', async () => {
    await expect(agent.drivers.get('projector-2')!.execute('power_on')).resolves.toEqual({ reply: '%1POWR=OK' });
    await expect(agent.drivers.get('projector-2')!.execute('set_input', { input: '99' })).rejects.toThrow(/must be one of/);
    // PJLink class 2: the projector announces warm-up (%2POWR=3) at once, long before the next 10 s poll.
    await expect.poll(() => events('projector-2').map((e) => e.data), { timeout: 3000 }).toContainEqual({ value: 3, previous: 0 });
    expect(events('projector-2')[0]).toMatchObject({ v: 1, type: 'power', data: { value: 0 } });
  });
});

describe('config errors name the device field', () => {
  const config = (devices: unknown[]) =>
    parseGatewayConfig({ site: 's', node: 'n', mqtt: { url: 'mqtt://127.0.0.1:1' }, dataDir: join(tmpdir(), 'never-made'), devices });
  it('a serial profile without a port, a TCP one without a host, two serial devices on one port', async () => {
    await expect(startAgent(config([{ id: 'p', profile: 'epson-escvp21' }]), log)).rejects.toThrow(
      'devices.0.port: "epson-escvp21" is a serial device; give its port (e.g. /dev/ttyUSB0)',
    );
    await expect(startAgent(config([{ id: 'p', profile: 'pjlink' }]), log)).rejects.toThrow(
      'devices.0.host: "pjlink" is reached over TCP; give its host',
    );
    await expect(
      startAgent(
        config([
          { id: 'a', profile: 'epson-escvp21', port: '/dev/null' },
          { id: 'b', profile: 'mh-z19', port: '/dev/null' },
        ]),
        log,
      ),
    ).rejects.toThrow('devices.1.port: /dev/null is already used by "a"; only Modbus RTU devices share a port (RS-485)');
  });
});
