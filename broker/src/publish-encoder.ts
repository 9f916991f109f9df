import mqttPacket from 'mqtt-packet';

/** The PUBLISH fields aedes hands a delivery (an aedes-packet `Packet`). */
export interface OutgoingPublish {
  topic?: unknown;
  payload?: unknown;
  qos?: number;
  dup?: boolean;
  retain?: boolean;
  messageId?: number;
  [field: string]: unknown;
}

const EMPTY = Buffer.alloc(0);

/** Bytes of the Remaining Length field (MQTT 3.1.1 §2.2.3) for `length`. */
function lengthBytes(length: number): number {
  return length < 128 ? 1 : length < 16_384 ? 2 : length < 2_097_152 ? 3 : 4;
}

/**
 * Encodes MQTT 3.1.1 PUBLISH packets into one buffer, as mqtt-packet's `writeToStream` would write them (aedes
 * always writes protocol level 4), but in one allocation for a whole batch instead of five stream writes and a
 * string-to-Buffer conversion of the topic per packet. Anything unusual (a Buffer topic, a non-Buffer payload
 * other than a string, an oversized packet) goes through mqtt-packet's own `generate`, which also throws on
 * what it considers invalid.
 */
export class PublishBatch {
  private packets: OutgoingPublish[] = [];
  private topicBytes: number[] = [];
  /** Remaining Length of each packet (its size for one mqtt-packet generated). */
  private remaining: number[] = [];
  private total = 0;

  get length(): number {
    return this.packets.length;
  }

  /** Adds one packet; throws (as mqtt-packet does) when it cannot be encoded. */
  add(packet: OutgoingPublish): void {
    const { topic } = packet;
    const payload = packet.payload ?? EMPTY;
    const qos = packet.qos ?? 0;
    if (
      typeof topic !== 'string' ||
      !(Buffer.isBuffer(payload) || typeof payload === 'string') ||
      (qos > 0 && typeof packet.messageId !== 'number')
    ) {
      const generated = mqttPacket.generate({ ...packet, cmd: 'publish' } as unknown as mqttPacket.Packet);
      this.push({ payload: generated }, -1, generated.length, generated.length);
      return;
    }
    const topicLength = Buffer.byteLength(topic);
    const body = 2 + topicLength + (qos > 0 ? 2 : 0) + (typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length);
    if (body > 268_435_455 || topicLength > 65_535) throw new Error('publish packet too large to encode');
    this.push(packet, topicLength, body, 1 + lengthBytes(body) + body);
  }

  private push(packet: OutgoingPublish, topicLength: number, remaining: number, size: number): void {
    this.packets.push(packet);
    this.topicBytes.push(topicLength);
    this.remaining.push(remaining);
    this.total += size;
  }

  /** The batch as one buffer (emptied afterwards). */
  take(): Buffer {
    const out = Buffer.allocUnsafe(this.total);
    let at = 0;
    for (let i = 0; i < this.packets.length; i++) {
      const packet = this.packets[i] as OutgoingPublish;
      const topicLength = this.topicBytes[i] as number;
      let remaining = this.remaining[i] as number;
      if (topicLength < 0) {
        at += (packet.payload as Buffer).copy(out, at);
        continue;
      }
      const qos = packet.qos ?? 0;
      // Fixed header: type 3, DUP only with QoS > 0 [MQTT-3.3.1-2], QoS, RETAIN.
      out[at++] = 0x30 | (qos > 0 && packet.dup ? 0x08 : 0) | (qos << 1) | (packet.retain ? 1 : 0);
      // Remaining Length, 7 bits per byte, least significant first.
      do {
        let byte = remaining % 128;
        remaining = Math.floor(remaining / 128);
        if (remaining > 0) byte |= 0x80;
        out[at++] = byte;
      } while (remaining > 0);
      out.writeUInt16BE(topicLength, at);
      at += 2;
      at += out.write(packet.topic as string, at, topicLength, 'utf8');
      if (qos > 0) {
        out.writeUInt16BE(packet.messageId as number, at);
        at += 2;
      }
      const payload = packet.payload ?? EMPTY;
      at += typeof payload === 'string' ? out.write(payload, at, 'utf8') : (payload as Buffer).copy(out, at);
    }
    this.packets = [];
    this.topicBytes = [];
    this.remaining = [];
    this.total = 0;
    return out;
  }
}
