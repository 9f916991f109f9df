import { PassThrough } from 'node:stream';
import type { Client } from 'aedes';
import mqttPacket from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { trimClient } from './connection-trim.js';

describe('trimClient', () => {
  it('gives the parser a plain BufferList that still parses packets split across chunks', () => {
    const parser = mqttPacket.parser({ protocolVersion: 4 });
    trimClient({ _parser: parser } as unknown as Client, new PassThrough());
    const list = (parser as unknown as { _list: { pipe?: unknown } })._list;
    expect(typeof list.pipe).toBe('undefined');
    const packets: { topic?: string; payload?: Buffer }[] = [];
    parser.on('packet', (packet) => packets.push(packet as { topic?: string; payload?: Buffer }));
    const bytes = mqttPacket.generate({
      cmd: 'publish',
      topic: 'lophoc/v1/a/b/c',
      payload: Buffer.from('xin chào'),
      qos: 0,
      dup: false,
      retain: false,
    });
    parser.parse(bytes.subarray(0, 5));
    parser.parse(bytes.subarray(5));
    expect(packets.map((p) => [p.topic, p.payload?.toString()])).toEqual([['lophoc/v1/a/b/c', 'xin chào']]);
  });
});
