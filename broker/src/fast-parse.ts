import { createRequire } from 'node:module';
import type { Client } from 'aedes';

/** mqtt-packet's Packet class as aedes' copy of mqtt-packet loads it, so parsed packets keep one shape. */
const requireFromAedes = createRequire(createRequire(import.meta.url).resolve('aedes'));
const requireFromMqttPacket = createRequire(requireFromAedes.resolve('mqtt-packet'));
const MqttPacket = requireFromMqttPacket('./packet.js') as new () => ParsedPublish;
const stockParse = (requireFromMqttPacket('./parser.js') as { prototype: { parse(buffer: Buffer): number } }).prototype.parse;

interface ParsedPublish {
  cmd: string | null;
  retain: boolean;
  qos: number;
  dup: boolean;
  length: number;
  topic: string | null;
  payload: Buffer | null;
  messageId?: number;
}

interface Parser {
  error: Error | null;
  packet: { length: number };
  settings: { protocolVersion?: number };
  _list: { length: number };
  _stateCounter: number;
  parse(buffer: Buffer): number;
  emit(event: 'packet', packet: ParsedPublish): boolean;
  [rest]?: Held;
}

/** The start of an incomplete PUBLISH, in the reads it came in, and how many bytes it needs in all (0: not known yet). */
interface Held {
  chunks: Buffer[];
  length: number;
  needed: number;
}

const rest = Symbol('lophoc.parseRest');
/** An incomplete PUBLISH larger than this goes to mqtt-packet's own parser, which collects it without copying. */
const MAX_HELD_BYTES = 64 * 1024;

/**
 * Parses the PUBLISH (and PINGREQ) packets at the start of `buffer` straight from it; returns where it stopped: the
 * end, the start of a packet that is not a complete, well-formed MQTT 3.1.1 PUBLISH at QoS 0 or 1 or a PINGREQ
 * (mqtt-packet's parser takes it from there, errors included), or — with `held` set — an incomplete PUBLISH to be
 * completed by the next read.
 */
function parsePublishes(parser: Parser, buffer: Buffer): { offset: number; held: boolean; needed: number } {
  let offset = 0;
  const size = buffer.length;
  while (offset < size) {
    const header = buffer[offset] as number;
    if (header === 0xc0 && buffer[offset + 1] === 0) {
      // PINGREQ (MQTT 3.1.1 §3.12): an idle connection's only packet; parsed here, it never grows the parser's list.
      const packet = new MqttPacket();
      packet.cmd = 'pingreq';
      packet.length = 0;
      offset += 2;
      parser.emit('packet', packet);
      continue;
    }
    const qos = (header >> 1) & 3;
    if (header >> 4 !== 3 || qos > 1) return { offset, held: false, needed: 0 };
    let length = 0;
    let multiplier = 1;
    let at = offset + 1;
    let lengthDone = false;
    for (let bytes = 0; bytes < 4 && at < size; bytes++) {
      const byte = buffer[at++] as number;
      length += (byte & 0x7f) * multiplier;
      multiplier *= 128;
      if ((byte & 0x80) === 0) {
        lengthDone = true;
        break;
      }
    }
    if (!lengthDone) return { offset, held: at - offset < 5 && at === size, needed: 0 };
    const end = at + length;
    if (end > size) return { offset, held: end - offset <= MAX_HELD_BYTES, needed: end - offset };
    if (length < 2) return { offset, held: false, needed: 0 };
    const topicEnd = at + 2 + ((buffer[at] as number) << 8) + (buffer[at + 1] as number);
    const payloadStart = qos > 0 ? topicEnd + 2 : topicEnd;
    if (payloadStart > end) return { offset, held: false, needed: 0 };
    // The same object, fields in the same order, as mqtt-packet's parser makes (parser.js _parseHeader, _parseLength, _parsePublish).
    const packet = new MqttPacket();
    packet.cmd = 'publish';
    packet.retain = (header & 1) !== 0;
    packet.qos = qos;
    packet.dup = (header & 8) !== 0;
    packet.length = length;
    packet.topic = buffer.toString('utf8', at + 2, topicEnd);
    if (qos > 0) packet.messageId = ((buffer[topicEnd] as number) << 8) + (buffer[topicEnd + 1] as number);
    packet.payload = buffer.subarray(payloadStart, end);
    offset = end;
    parser.emit('packet', packet);
  }
  return { offset, held: false, needed: 0 };
}

/** One function for every connection's parser (no closure per connection). */
function fastParse(this: Parser, chunk: Buffer): number {
  const held = this[rest];
  if (held) {
    held.chunks.push(chunk);
    held.length += chunk.length;
    // Joined once the packet is complete, so a packet arriving in many small reads is copied once.
    if (held.length < held.needed) return held.length;
    this[rest] = undefined;
  }
  const buffer = held ? Buffer.concat(held.chunks, held.length) : chunk;
  // Only between packets with nothing buffered, and not for MQTT 5 (properties): otherwise as mqtt-packet does.
  if (this.error || this._list.length > 0 || this._stateCounter !== 0 || this.packet.length !== -1 || this.settings.protocolVersion === 5)
    return stockParse.call(this, buffer);
  const stop = parsePublishes(this, buffer);
  if (stop.offset === buffer.length) return 0;
  const remaining = stop.offset === 0 ? buffer : buffer.subarray(stop.offset);
  if (stop.held) {
    this[rest] = { chunks: [remaining], length: remaining.length, needed: stop.needed };
    return remaining.length;
  }
  return stockParse.call(this, remaining);
}

/**
 * mqtt-packet 9's parser handles every packet through a BufferList (append, then a `consume` and a `slice` per
 * packet, copying when a packet spans two reads), a four-state machine and a dozen `debug()` calls (a getter each,
 * with debugging off); for a broker that reads hundreds of PUBLISH packets per read this was about a third of its
 * time. This parses complete MQTT 3.1.1 PUBLISH packets at QoS 0 and 1 (and PINGREQ) straight from each read into
 * the same Packet objects (payloads are views of the read, as mqtt-packet's are when a packet lies in one read) and
 * emits them in order; an incomplete PUBLISH at the end of a read (up to 64 KiB) is held and completed by the next
 * read; every other packet, anything malformed, QoS 2 and MQTT 5 go to mqtt-packet's own parser, which then takes
 * the rest of the read. The upstream fix is the same fast path in mqtt-packet's `parse`. Call right after
 * `aedes.handle(stream)`.
 */
export function fastParsePublishes(client: Client): void {
  const parser = (client as unknown as { _parser?: Parser })._parser;
  if (parser?.parse === stockParse) parser.parse = fastParse;
}

/** For tests: the same on a bare mqtt-packet parser. */
export function fastParser<P extends object>(parser: P): P {
  const target = parser as unknown as Parser;
  if (target.parse !== stockParse) throw new TypeError('fastParser: not the mqtt-packet parser aedes uses');
  target.parse = fastParse;
  return parser;
}
