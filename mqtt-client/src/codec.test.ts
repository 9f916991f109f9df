import fc from 'fast-check';
import mqttPacket from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import {
  DISCONNECT,
  encodeAck,
  encodeConnect,
  encodePublish,
  encodeSubscribe,
  encodeUnsubscribe,
  type IncomingPacket,
  MalformedPacketError,
  PacketDecoder,
  PINGREQ,
  PUBACK,
  PUBCOMP,
  PUBREC,
} from './codec.js';

// Differential tests against mqtt-packet 9 (MQTT.js's codec), an independent implementation of the same spec.

const text = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 20 }));
const topic = fc.oneof(fc.string({ minLength: 1, maxLength: 40 }), fc.constantFrom('lophoc/v1/p101/gw-1/state', 'phòng/101/nhiệt độ'));
const bytes = fc.oneof(
  fc.uint8Array({ maxLength: 64 }).map((array) => Buffer.from(array)),
  // Sizes that need 2 and 3 bytes of Remaining Length.
  fc.integer({ min: 120, max: 20_000 }).map((size) => Buffer.alloc(size, size & 0xff)),
);
const id = fc.integer({ min: 1, max: 65_535 });
const qos01 = fc.constantFrom(0 as const, 1 as const);

function generate(packet: Record<string, unknown>): Buffer {
  return mqttPacket.generate(packet as unknown as mqttPacket.Packet);
}

describe('encoder: the same bytes as mqtt-packet', () => {
  it('CONNECT', () => {
    fc.assert(
      fc.property(
        fc.record({
          clientId: text,
          clean: fc.boolean(),
          keepalive: fc.integer({ min: 0, max: 65_535 }),
          username: fc.option(text, { nil: undefined }),
          password: fc.option(bytes, { nil: undefined }),
          will: fc.option(fc.record({ topic, payload: bytes, qos: qos01, retain: fc.boolean() }), { nil: undefined }),
        }),
        (fields) => {
          if (fields.username === undefined) fields.password = undefined;
          if (!fields.clean && fields.clientId === '') fields.clientId = 'x';
          const theirs = generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, ...withoutUndefined(fields) });
          expect(encodeConnect(fields).equals(theirs)).toBe(true);
        },
      ),
    );
  });

  it('PUBLISH (QoS 0 and 1, retain, DUP, string or Buffer payload)', () => {
    fc.assert(
      fc.property(topic, fc.oneof(text, bytes), qos01, fc.boolean(), id, fc.boolean(), (t, payload, qos, retain, messageId, dup) => {
        const ours = encodePublish(t, payload, qos, retain, messageId, dup);
        const theirs = generate({ cmd: 'publish', topic: t, payload, qos, retain, dup: qos === 1 && dup, messageId });
        expect(ours.equals(theirs)).toBe(true);
      }),
    );
  });

  it('SUBSCRIBE and UNSUBSCRIBE', () => {
    fc.assert(
      fc.property(
        id,
        fc.array(fc.record({ topic, qos: fc.constantFrom(0 as const, 1 as const, 2 as const) }), { minLength: 1, maxLength: 5 }),
        (messageId, subscriptions) => {
          expect(encodeSubscribe(messageId, subscriptions).equals(generate({ cmd: 'subscribe', messageId, subscriptions }))).toBe(true);
          const topics = subscriptions.map((s) => s.topic);
          expect(encodeUnsubscribe(messageId, topics).equals(generate({ cmd: 'unsubscribe', messageId, unsubscriptions: topics }))).toBe(
            true,
          );
        },
      ),
    );
  });

  it('PUBACK, PUBREC, PUBCOMP, PINGREQ, DISCONNECT', () => {
    fc.assert(
      fc.property(id, (messageId) => {
        expect(encodeAck(PUBACK, messageId).equals(generate({ cmd: 'puback', messageId }))).toBe(true);
        expect(encodeAck(PUBREC, messageId).equals(generate({ cmd: 'pubrec', messageId }))).toBe(true);
        expect(encodeAck(PUBCOMP, messageId).equals(generate({ cmd: 'pubcomp', messageId }))).toBe(true);
      }),
    );
    expect(PINGREQ.equals(generate({ cmd: 'pingreq' }))).toBe(true);
    expect(DISCONNECT.equals(generate({ cmd: 'disconnect' }))).toBe(true);
  });

  it('refuses what MQTT cannot carry, naming it', () => {
    expect(() => encodePublish('a'.repeat(65_536), 'x', 0, false)).toThrow(/the topic is 65536 bytes of UTF-8, over MQTT's 65,535/);
    expect(() => encodeConnect({ clientId: 'c', clean: true, keepalive: 0, password: Buffer.from('p') })).toThrow(
      /password needs a user name/,
    );
  });
});

/** Server → client packets, as the decoder should give them back. */
const serverPacket: fc.Arbitrary<IncomingPacket> = fc.oneof(
  fc.record({ cmd: fc.constant('connack' as const), sessionPresent: fc.boolean(), returnCode: fc.integer({ min: 0, max: 5 }) }),
  fc
    .record({
      topic,
      payload: bytes,
      qos: fc.constantFrom(0 as const, 1 as const, 2 as const),
      retain: fc.boolean(),
      dup: fc.boolean(),
      messageId: id,
    })
    .map(({ qos, messageId, dup, ...rest }) => ({
      cmd: 'publish' as const,
      ...rest,
      qos,
      dup: qos > 0 && dup,
      messageId: qos > 0 ? messageId : undefined,
    })),
  fc.record({ cmd: fc.constantFrom('puback' as const, 'pubrel' as const, 'unsuback' as const), messageId: id }),
  fc.record({
    cmd: fc.constant('suback' as const),
    messageId: id,
    granted: fc.array(fc.constantFrom(0, 1, 2, 0x80), { minLength: 1, maxLength: 6 }),
  }),
  fc.constant({ cmd: 'pingresp' as const }),
);

function encodeWithMqttPacket(packet: IncomingPacket): Buffer {
  return generate(withoutUndefined(packet as unknown as Record<string, unknown>));
}

function withoutUndefined<T extends Record<string, unknown>>(object: T): T {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined)) as T;
}

/** `stream` cut at the given positions (sorted, deduplicated). */
function split(stream: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((cut) => cut % (stream.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const point of [...points, stream.length]) {
    chunks.push(stream.subarray(from, point));
    from = point;
  }
  return chunks;
}

function decodeAll(chunks: Buffer[], maxPacketSize?: number): { packets: IncomingPacket[]; error: Error | undefined } {
  const packets: IncomingPacket[] = [];
  const decoder = new PacketDecoder((packet) => packets.push(packet), maxPacketSize === undefined ? {} : { maxPacketSize });
  let error: Error | undefined;
  for (const chunk of chunks) error = decoder.push(chunk) ?? error;
  return { packets, error };
}

describe('decoder', () => {
  it('gives back the packets of mqtt-packet-generated streams, split anywhere', () => {
    fc.assert(
      fc.property(fc.array(serverPacket, { minLength: 1, maxLength: 8 }), fc.array(fc.nat(), { maxLength: 12 }), (packets, cuts) => {
        const stream = Buffer.concat(packets.map(encodeWithMqttPacket));
        const { packets: decoded, error } = decodeAll(split(stream, cuts));
        expect(error).toBeUndefined();
        expect(decoded).toEqual(packets);
      }),
      { numRuns: 300 },
    );
  });

  it('agrees with mqtt-packet on packets with a longer Remaining Length encoding than needed', () => {
    // §2.2.3 does not forbid non-minimal encodings; a PUBACK with a two-byte Remaining Length of 2.
    const { packets, error } = decodeAll([Buffer.from([0x40, 0x82, 0x00, 0x00, 0x07])]);
    expect(error).toBeUndefined();
    expect(packets).toEqual([{ cmd: 'puback', messageId: 7 }]);
  });

  it("parses a complete packet's payload as a view of the read, and a split one as a single copy", () => {
    const one = encodePublish('t', 'hello', 1, false, 9);
    const views: Buffer[] = [];
    const decoder = new PacketDecoder((packet) => {
      if (packet.cmd === 'publish') views.push(packet.payload);
    });
    const read = Buffer.alloc(one.length + 4); // not from the shared pool, so .buffer tells where a view points
    Buffer.concat([one, one.subarray(0, 4)]).copy(read);
    expect(decoder.push(read)).toBeUndefined();
    expect(views[0]!.buffer).toBe(read.buffer);
    expect(decoder.push(one.subarray(4))).toBeUndefined();
    expect(views[1]!.toString()).toBe('hello');
    expect(views[1]!.buffer).not.toBe(read.buffer);
  });

  const malformed: [name: string, bytes: number[], message: RegExp][] = [
    ['PUBREL flags 0', [0x60, 0x02, 0x00, 0x01], /^PUBREL: fixed header flags 0x0 \(must be 0x2/],
    ['SUBACK flags 2', [0x92, 0x03, 0x00, 0x01, 0x00], /^SUBACK: fixed header flags 0x2 \(must be 0x0/],
    ['PUBLISH QoS 3', [0x36, 0x05, 0x00, 0x01, 0x61, 0x00, 0x01], /^PUBLISH: QoS 3/],
    ['5-byte Remaining Length', [0x30, 0xff, 0xff, 0xff, 0xff, 0x01], /^PUBLISH: Remaining Length longer than 4 bytes/],
    ['PUBLISH too short for a topic length', [0x30, 0x01, 0x00], /^PUBLISH: Remaining Length 1 leaves no room for the topic length/],
    ['topic past the end', [0x30, 0x04, 0x00, 0x05, 0x61, 0x62], /^PUBLISH: topic length 5 past the end of the packet/],
    ['packet id past the end', [0x32, 0x03, 0x00, 0x01, 0x61], /^PUBLISH: topic length 1 and packet identifier past the end/],
    ['QoS 1 with id 0', [0x32, 0x05, 0x00, 0x01, 0x61, 0x00, 0x00], /^PUBLISH: QoS 1 with packet identifier 0/],
    ['CONNACK of 1 byte', [0x20, 0x01, 0x00], /^CONNACK: Remaining Length 1 \(must be 2/],
    ['CONNACK reserved flags', [0x20, 0x02, 0x02, 0x00], /^CONNACK: acknowledge flags 0x2/],
    ['PUBACK of 3 bytes', [0x40, 0x03, 0x00, 0x01, 0x00], /^PUBACK: Remaining Length 3 \(must be 2\)/],
    ['SUBACK without codes', [0x90, 0x02, 0x00, 0x01], /^SUBACK: Remaining Length 2/],
    ['SUBACK code 3', [0x90, 0x03, 0x00, 0x01, 0x03], /^SUBACK: return code 0x3/],
    ['PINGRESP with a body', [0xd0, 0x01, 0x00], /^PINGRESP: Remaining Length 1 \(must be 0/],
    ['reserved type 0', [0x00, 0x00], /^reserved type 0: a reserved packet type/],
    ['CONNECT from a server', [0x10, 0x00], /^CONNECT: a packet only a client sends/],
    ['PUBREC to a QoS 1 client', [0x50, 0x02, 0x00, 0x01], /^PUBREC: not expected: this client never publishes QoS 2/],
  ];

  it.each(malformed)('refuses %s with an error naming the packet type', (_name, bytes, message) => {
    const { packets, error } = decodeAll([Buffer.from(bytes)]);
    expect(packets).toEqual([]);
    expect(error).toBeInstanceOf(MalformedPacketError);
    expect(error!.message).toMatch(message);
  });

  it('delivers the packets before malformed bytes, none after, wherever the stream is split', () => {
    fc.assert(
      fc.property(
        fc.array(serverPacket, { maxLength: 4 }),
        fc.constantFrom(...malformed),
        fc.array(serverPacket, { minLength: 1, maxLength: 3 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        (before, [, bad, message], after, cuts) => {
          const stream = Buffer.concat([...before.map(encodeWithMqttPacket), Buffer.from(bad), ...after.map(encodeWithMqttPacket)]);
          const { packets, error } = decodeAll(split(stream, cuts));
          expect(packets).toEqual(before);
          expect(error?.message).toMatch(message);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('refuses a packet over maxPacketSize from its fixed header, before buffering it', () => {
    const big = encodePublish('t', Buffer.alloc(200), 0, false);
    const { packets, error } = decodeAll([encodeAck(PUBACK, 3), big.subarray(0, 3)], 100);
    expect(packets).toEqual([{ cmd: 'puback', messageId: 3 }]);
    expect(error?.message).toBe('PUBLISH: 206 bytes, over the maximum packet size of 100 bytes');
    expect(decodeAll([encodePublish('t', Buffer.alloc(40), 0, false)], 100).error).toBeUndefined();
    // With a one-byte Remaining Length too.
    expect(decodeAll([encodePublish('t', Buffer.alloc(40), 0, false)], 40).error?.message).toMatch(/^PUBLISH: 45 bytes, over/);
  });

  it('stays failed: later reads give the same error and no packets', () => {
    const packets: IncomingPacket[] = [];
    const decoder = new PacketDecoder((packet) => packets.push(packet));
    const error = decoder.push(Buffer.from([0x60, 0x02, 0x00, 0x01]));
    expect(decoder.push(encodeAck(PUBACK, 1))).toBe(error);
    expect(packets).toEqual([]);
  });
});
