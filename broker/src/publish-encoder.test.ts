import mqttPacket from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { type OutgoingPublish, PublishBatch } from './publish-encoder.js';

const generate = (packet: OutgoingPublish) => mqttPacket.generate({ cmd: 'publish', ...packet } as unknown as mqttPacket.Packet);

describe('PublishBatch', () => {
  it('encodes PUBLISH packets byte for byte as mqtt-packet does, one after the other in one buffer', () => {
    const packets: OutgoingPublish[] = [
      { topic: 'lophoc/v1/ttht/gw-1/th-1/telemetry', payload: Buffer.from('{"v":1}'), qos: 0, retain: false },
      { topic: 'lophoc/v1/ttht/gw-1/status', payload: Buffer.from('online'), qos: 0, retain: true },
      { topic: 'lophoc/v1/ttht/gw-1/cmd', payload: Buffer.from('x'), qos: 1, messageId: 4242, dup: true },
      { topic: 'lophoc/v1/trường/phòng-101', payload: 'Xin chào, Chợ Quán', qos: 2, messageId: 65_535 },
      { topic: 'a', payload: Buffer.alloc(0), qos: 0 },
      { topic: 'b', payload: Buffer.alloc(200, 7), qos: 0 }, // Remaining Length in 2 bytes
      { topic: 'c', payload: Buffer.alloc(20_000, 9), qos: 1, messageId: 1 }, // in 3 bytes
      { topic: Buffer.from('buffer/topic'), payload: Buffer.from('p'), qos: 0 }, // through mqtt-packet itself
    ];
    const batch = new PublishBatch();
    for (const packet of packets) batch.add(packet);
    expect(batch.length).toBe(packets.length);
    expect(batch.take()).toEqual(Buffer.concat(packets.map(generate)));
    expect(batch.length).toBe(0);
  });

  it('never sets DUP on a QoS 0 packet [MQTT-3.3.1-2]', () => {
    const batch = new PublishBatch();
    batch.add({ topic: 't', payload: Buffer.from('p'), qos: 0, dup: true });
    expect((batch.take()[0] as number) & 0x08).toBe(0);
  });

  it('refuses what mqtt-packet refuses', () => {
    const batch = new PublishBatch();
    expect(() => batch.add({ topic: 't', payload: Buffer.from('p'), qos: 1 })).toThrow(/messageId/i);
    expect(() => batch.add({ topic: undefined, payload: Buffer.from('p'), qos: 0 })).toThrow();
    expect(batch.length).toBe(0);
  });
});
