import { createHash } from 'node:crypto';
import { generate, type Packet, parser } from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { fastParser } from './fast-parse.js';

/** A small deterministic generator, so a failure reproduces. */
function generator(seed: number) {
  let state = seed;
  return (n: number) => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state % n;
  };
}

function randomPacket(random: (n: number) => number, i: number): Packet {
  const kind = random(20);
  const topics = [
    'lophoc/v1/ttht/gw-1/th-1/telemetry',
    'lophoc/v1/trường-tiểu-học/gw-2/máy-chiếu/state',
    'a',
    `x/${'y'.repeat(random(300))}`,
  ];
  if (kind < 14) {
    const qos = kind < 6 ? 0 : kind < 13 ? 1 : 2;
    const big = random(40) === 0;
    return {
      cmd: 'publish',
      topic: topics[random(topics.length)] as string,
      payload: Buffer.alloc(big ? 70_000 + random(60_000) : random(200), i % 251),
      qos: qos as 0 | 1 | 2,
      messageId: qos > 0 ? 1 + random(65_535) : undefined,
      retain: random(5) === 0,
      dup: qos > 0 && random(7) === 0,
    } as Packet;
  }
  if (kind < 16) return { cmd: 'puback', messageId: 1 + random(65_535) };
  if (kind < 17) return { cmd: 'pingreq' };
  if (kind < 18) return { cmd: 'subscribe', messageId: 1 + random(100), subscriptions: [{ topic: 'lophoc/v1/#', qos: 1 }] };
  return { cmd: 'pubrel', messageId: 1 + random(65_535) };
}

function feed(chunks: Buffer[], fast: boolean) {
  const packets: unknown[] = [];
  const errors: string[] = [];
  const p = parser();
  if (fast) fastParser(p);
  // Payloads as digests: comparing megabytes byte by byte with toEqual is slow.
  p.on('packet', (packet: Packet) => {
    const payload = (packet as { payload?: unknown }).payload;
    packets.push({ ...packet, payload: Buffer.isBuffer(payload) ? createHash('sha1').update(payload).digest('hex') : payload });
  });
  p.on('error', (error: Error) => errors.push(error.message));
  for (const chunk of chunks) p.parse(chunk);
  return { packets, errors };
}

function split(stream: Buffer, random: (n: number) => number): Buffer[] {
  const chunks: Buffer[] = [];
  let at = 0;
  while (at < stream.length) {
    const size = random(4) === 0 ? 1 + random(8) : 1 + random(65_536);
    chunks.push(stream.subarray(at, at + size));
    at += size;
  }
  return chunks;
}

describe('fastParser (fast-parse.ts)', () => {
  it('emits the same packets as mqtt-packet for random streams split at random places', () => {
    for (let run = 0; run < 20; run++) {
      const random = generator(run + 1);
      const packets = Array.from({ length: 400 }, (_, i) => randomPacket(random, i));
      const stream = Buffer.concat(packets.map((packet) => generate(packet)));
      const chunks = split(stream, random);
      const stock = feed(chunks, false);
      const fast = feed(chunks, true);
      expect(fast.errors, `run ${run}`).toEqual(stock.errors);
      expect(fast.packets.length, `run ${run}`).toBe(packets.length);
      expect(fast.packets, `run ${run}`).toEqual(stock.packets);
    }
  });

  it('stops where mqtt-packet reports a malformed packet, after emitting the ones before it', () => {
    const good = generate({
      cmd: 'publish',
      topic: 'lophoc/v1/a/b/c/telemetry',
      payload: Buffer.from('{}'),
      qos: 1,
      messageId: 5,
      retain: false,
      dup: false,
    });
    for (const bad of [
      Buffer.from([0x36, 0x02, 0x00, 0x00]), // QoS 3
      Buffer.from([0x30, 0x01, 0x00]), // no room for the topic length
      Buffer.from([0x32, 0x03, 0x00, 0x01, 0x61]), // QoS 1 without a packet identifier
      Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]), // Remaining Length over 4 bytes
    ]) {
      const chunks = [Buffer.concat([good, good, bad, good])];
      const stock = feed(chunks, false);
      const fast = feed(chunks, true);
      expect(fast, bad.toString('hex')).toEqual(stock);
      expect(fast.packets.length, bad.toString('hex')).toBeGreaterThanOrEqual(2);
    }
  });
});
