import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker } from '@lophoc/broker';
import { openPtyPair, type PtyPair, startEpsonProjector, startRdm6300 } from '@lophoc/simulators';
import mqtt from 'mqtt';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningAgent, startAgent } from './agent.js';
import { CardPseudonymiser } from './classroom/card-privacy.js';
import { parseGatewayConfig } from './config.js';

const log = pino({ level: 'silent' });
const base = 'lophoc/v1/ttht-cho-quan/gw-p7';
const secret = Buffer.alloc(32, 0x33);
const teacherCard = '1200ABCDEF';
const studentCard = '67003B51C6';

/**
 * Issue #4 on real parts: commands over MQTT to an Epson projector simulator on a pty (validated, expiring,
 * idempotent), and the classroom rules driven by RDM6300 taps: a teacher's card turns the projector on and opens
 * the session, a student's card is attendance.
 */
describe('gateway operations: commands and classroom rules', () => {
  let dir: string;
  const pairs: PtyPair[] = [];
  let epson: Awaited<ReturnType<typeof startEpsonProjector>>;
  let reader: Awaited<ReturnType<typeof startRdm6300>>;
  let broker: Awaited<ReturnType<typeof startBroker>>;
  let agent: RunningAgent;
  let hub: mqtt.MqttClient;
  const seen = new Map<string, Record<string, unknown>[]>();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lophoc-ops-gw-'));
    const epsonPair = await openPtyPair(dir, 'epson');
    const readerPair = await openPtyPair(dir, 'reader');
    pairs.push(epsonPair, readerPair);
    epson = await startEpsonProjector(epsonPair.device, { warmUpMs: 300, coolDownMs: 300 });
    reader = await startRdm6300(readerPair.device);
    broker = await startBroker({ port: 0, log });
    hub = await mqtt.connectAsync(broker.url, { clientId: 'hub' });
    hub.on('message', (topic, payload) => seen.set(topic, [...(seen.get(topic) ?? []), JSON.parse(payload.toString())]));
    await hub.subscribeAsync(`${base}/#`, { qos: 1 });
    await writeFile(join(dir, 'site.key'), secret.toString('hex'), { mode: 0o600 });
    const teacher = new CardPseudonymiser(secret).pseudonym(teacherCard);
    agent = await startAgent(
      parseGatewayConfig({
        site: 'ttht-cho-quan',
        node: 'gw-p7',
        mqtt: { url: broker.url },
        dataDir: join(dir, 'agent'),
        privacy: { secretFile: join(dir, 'site.key') },
        roster: { [teacher]: 'teacher' },
        rules: { timetable: { weekdays: [1, 2, 3, 4, 5, 6, 7], periods: [{ start: '00:00', end: '23:59' }] }, projector: 'projector' },
        devices: [
          { id: 'projector', profile: 'epson-escvp21', port: epsonPair.host },
          { id: 'reader', profile: 'rdm6300', port: readerPair.host },
        ],
      }),
      log,
    );
    const deadline = Date.now() + 10_000;
    while (seen.get(`${base}/projector/availability`)?.at(-1)?.online !== true && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }, 30_000);
  afterAll(async () => {
    await agent?.stop();
    await hub?.endAsync();
    await broker?.stop();
    await epson?.stop();
    await reader?.stop();
    for (const pair of pairs) await pair.close();
    await rm(dir, { recursive: true, force: true });
  });

  const results = () => (seen.get(`${base}/cmd/result`) ?? []) as { id: string; ok: boolean; error?: string; result?: unknown }[];
  const send = (command: Record<string, unknown>) =>
    hub.publishAsync(`${base}/cmd`, JSON.stringify({ v: 1, params: {}, expiresAt: Date.now() + 60_000, ...command }), { qos: 1 });

  it('runs a valid command and publishes its result; a replayed id is answered again, not run again', async () => {
    await send({ id: 'c-input', device: 'projector', method: 'power_on' });
    await expect.poll(() => results().find((r) => r.id === 'c-input'), { timeout: 10_000 }).toMatchObject({ ok: true });
    const sent = epson.state.commands.filter((c) => c === 'PWR ON').length;
    await send({ id: 'c-input', device: 'projector', method: 'power_on' });
    await expect.poll(() => results().filter((r) => r.id === 'c-input').length).toBe(2);
    expect(epson.state.commands.filter((c) => c === 'PWR ON').length).toBe(sent);
    expect(agent.commands.stats.replayed).toBe(1);
  });

  it.each([
    [{ id: 'c-old', device: 'projector', method: 'power_off', expiresAt: Date.now() - 1000 }, /^expired at .*; not executed$/],
    [{ id: 'c-dev', device: 'fan', method: 'power_on' }, /^unknown device "fan" on this gateway$/],
    [{ id: 'c-met', device: 'projector', method: 'volume' }, /^unknown method "volume" for device "projector" \(known: .*power_on/],
    [{ id: 'c-par', device: 'projector', method: 'set_input', params: { source: 'ZZ' } }, /set_input.*source/],
  ])('refuses a command that must not run (%#) with a clear error result', async (command, error) => {
    const before = epson.state.commands.length;
    await send(command);
    await expect.poll(() => results().find((r) => r.id === command.id), { timeout: 5000 }).toMatchObject({ ok: false });
    expect(results().find((r) => r.id === command.id)?.error).toMatch(error);
    expect(epson.state.commands.length).toBe(before);
  });

  it('a teacher tap turns the projector on and opens the session; a student tap is attendance', async () => {
    await send({ id: 'c-off', device: 'projector', method: 'power_off' });
    await expect.poll(() => results().find((r) => r.id === 'c-off'), { timeout: 10_000 }).toMatchObject({ ok: true });
    await expect.poll(() => epson.state.power, { timeout: 5000 }).toBe('00');
    const commandsBefore = epson.state.commands.length;

    reader.present(teacherCard);
    await expect.poll(() => (seen.get(`${base}/reader/event`) ?? []).map((e) => e.type), { timeout: 5000 }).toContain('session.opened');
    reader.remove();
    await expect.poll(() => epson.state.commands.slice(commandsBefore), { timeout: 5000 }).toContain('PWR ON');

    reader.present(studentCard);
    await expect
      .poll(() => (seen.get(`${base}/reader/event`) ?? []).filter((e) => e.type === 'attendance'), { timeout: 5000 })
      .toHaveLength(1);
    reader.remove();
    const attendance = (seen.get(`${base}/reader/event`) ?? []).find((e) => e.type === 'attendance')!;
    expect(attendance.data).toEqual({
      card: new CardPseudonymiser(secret).pseudonym(studentCard),
      role: 'unknown',
      session: expect.stringMatching(/^\d{4}-\d{2}-\d{2}-p1$/),
      late: expect.any(Boolean),
    });
  }, 30_000);
});
