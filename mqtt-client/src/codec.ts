/**
 * MQTT 3.1.1 bytes ↔ packets, as the client needs them: the packets a client sends, encoded; the packets a server
 * sends a client that never publishes QoS 2, decoded incrementally from a stream. Clause numbers are OASIS MQTT 3.1.1.
 */

export interface ConnectFields {
  clientId: string;
  clean: boolean;
  /** Seconds, 0–65,535. */
  keepalive: number;
  username?: string;
  password?: Buffer;
  will?: { topic: string; payload: Buffer; qos: 0 | 1; retain: boolean };
}

export type IncomingPacket =
  | { cmd: 'connack'; sessionPresent: boolean; returnCode: number }
  | IncomingPublish
  | { cmd: 'puback' | 'pubrel' | 'unsuback'; messageId: number }
  | { cmd: 'suback'; messageId: number; granted: number[] }
  | { cmd: 'pingresp' };

export interface IncomingPublish {
  cmd: 'publish';
  topic: string;
  /** A view of the bytes read (no copy). */
  payload: Buffer;
  qos: 0 | 1 | 2;
  retain: boolean;
  dup: boolean;
  /** QoS 1 and 2 only. */
  messageId: number | undefined;
}

/** §2.2.3: four bytes of Remaining Length at most. */
const MAX_REMAINING_LENGTH = 268_435_455;

export const PINGREQ = Buffer.from([0xc0, 0x00]);
export const DISCONNECT = Buffer.from([0xe0, 0x00]);

/** Bytes of the Remaining Length field for `length` (§2.2.3). */
function lengthBytes(length: number, what: string): number {
  if (length > MAX_REMAINING_LENGTH)
    throw new RangeError(`mqtt-client: ${what} of ${length} bytes after the fixed header is over MQTT's 268,435,455 (§2.2.3)`);
  return length < 128 ? 1 : length < 16_384 ? 2 : length < 2_097_152 ? 3 : 4;
}

/** Allocates the packet and writes its fixed header; returns the buffer and where the variable header starts. */
function start(header: number, length: number, what: string): [Buffer, number] {
  const buffer = Buffer.allocUnsafe(1 + lengthBytes(length, what) + length);
  buffer[0] = header;
  let at = 1;
  let rest = length;
  do {
    let byte = rest % 128;
    rest = Math.floor(rest / 128);
    if (rest > 0) byte |= 0x80;
    buffer[at++] = byte;
  } while (rest > 0);
  return [buffer, at];
}

/** §1.5.3: UTF-8 strings are prefixed with their length in two bytes. */
function stringLength(value: string, what: string): number {
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes > 65_535) throw new RangeError(`mqtt-client: ${what} is ${bytes} bytes of UTF-8, over MQTT's 65,535 (§1.5.3)`);
  return bytes;
}

function writeString(buffer: Buffer, at: number, value: string, bytes: number): number {
  buffer.writeUInt16BE(bytes, at);
  if (bytes > 0) buffer.write(value, at + 2, bytes, 'utf8');
  return at + 2 + bytes;
}

function writeBytes(buffer: Buffer, at: number, value: Buffer, what: string): number {
  if (value.length > 65_535) throw new RangeError(`mqtt-client: ${what} is ${value.length} bytes, over MQTT's 65,535 (§3.1.3)`);
  buffer.writeUInt16BE(value.length, at);
  value.copy(buffer, at + 2);
  return at + 2 + value.length;
}

/** §3.1: protocol name "MQTT", level 4. */
export function encodeConnect(fields: ConnectFields): Buffer {
  const { clientId, username, password, will } = fields;
  // [MQTT-3.1.2-22] no password without a user name.
  if (password !== undefined && username === undefined) throw new TypeError('mqtt-client: a password needs a user name ([MQTT-3.1.2-22])');
  const idBytes = stringLength(clientId, 'the client id');
  const userBytes = username === undefined ? 0 : stringLength(username, 'the user name');
  const willTopicBytes = will ? stringLength(will.topic, 'the will topic') : 0;
  const length =
    10 +
    2 +
    idBytes +
    (will ? 4 + willTopicBytes + will.payload.length : 0) +
    (username === undefined ? 0 : 2 + userBytes) +
    (password === undefined ? 0 : 2 + password.length);
  const [buffer, headerEnd] = start(0x10, length, 'CONNECT');
  buffer.set([0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04], headerEnd);
  // §3.1.2.3 connect flags.
  buffer[headerEnd + 7] =
    (username === undefined ? 0 : 0x80) |
    (password === undefined ? 0 : 0x40) |
    (will ? (will.retain ? 0x20 : 0) | (will.qos << 3) | 0x04 : 0) |
    (fields.clean ? 0x02 : 0);
  buffer.writeUInt16BE(fields.keepalive, headerEnd + 8);
  let at = writeString(buffer, headerEnd + 10, clientId, idBytes);
  if (will) {
    at = writeString(buffer, at, will.topic, willTopicBytes);
    at = writeBytes(buffer, at, will.payload, 'the will payload');
  }
  if (username !== undefined) at = writeString(buffer, at, username, userBytes);
  if (password !== undefined) writeBytes(buffer, at, password, 'the password');
  return buffer;
}

/** §3.3. `messageId` is for QoS 1; DUP only with QoS 1 [MQTT-3.3.1-2]. */
export function encodePublish(topic: string, payload: string | Buffer, qos: 0 | 1, retain: boolean, messageId = 0, dup = false): Buffer {
  const topicBytes = stringLength(topic, 'the topic');
  const payloadBytes = typeof payload === 'string' ? Buffer.byteLength(payload, 'utf8') : payload.length;
  const length = 2 + topicBytes + (qos > 0 ? 2 : 0) + payloadBytes;
  const header = 0x30 | (qos > 0 && dup ? 0x08 : 0) | (qos << 1) | (retain ? 0x01 : 0);
  const [buffer, headerEnd] = start(header, length, `PUBLISH to ${topic}`);
  let at = writeString(buffer, headerEnd, topic, topicBytes);
  if (qos > 0) at = buffer.writeUInt16BE(messageId, at);
  if (typeof payload === 'string') buffer.write(payload, at, payloadBytes, 'utf8');
  else payload.copy(buffer, at);
  return buffer;
}

/** §3.8: fixed header 0x82 [MQTT-3.8.1-1]. */
export function encodeSubscribe(messageId: number, subscriptions: readonly { topic: string; qos: 0 | 1 | 2 }[]): Buffer {
  const sizes = subscriptions.map(({ topic }) => stringLength(topic, 'a topic filter'));
  const length = 2 + sizes.reduce((sum, bytes) => sum + 3 + bytes, 0);
  const [buffer, headerEnd] = start(0x82, length, 'SUBSCRIBE');
  let at = buffer.writeUInt16BE(messageId, headerEnd);
  subscriptions.forEach(({ topic, qos }, i) => {
    at = writeString(buffer, at, topic, sizes[i]!);
    buffer[at++] = qos;
  });
  return buffer;
}

/** §3.10: fixed header 0xA2 [MQTT-3.10.1-1]. */
export function encodeUnsubscribe(messageId: number, topics: readonly string[]): Buffer {
  const sizes = topics.map((topic) => stringLength(topic, 'a topic filter'));
  const length = 2 + sizes.reduce((sum, bytes) => sum + 2 + bytes, 0);
  const [buffer, headerEnd] = start(0xa2, length, 'UNSUBSCRIBE');
  let at = buffer.writeUInt16BE(messageId, headerEnd);
  topics.forEach((topic, i) => {
    at = writeString(buffer, at, topic, sizes[i]!);
  });
  return buffer;
}

export const PUBACK = 0x40;
export const PUBREC = 0x50;
export const PUBCOMP = 0x70;

/** Writes a 4-byte acknowledgement (PUBACK, PUBREC or PUBCOMP) into `buffer` at `offset`; returns the end. */
export function writeAck(buffer: Buffer, offset: number, header: number, messageId: number): number {
  buffer[offset] = header;
  buffer[offset + 1] = 0x02;
  buffer[offset + 2] = messageId >> 8;
  buffer[offset + 3] = messageId & 0xff;
  return offset + 4;
}

export function encodeAck(header: number, messageId: number): Buffer {
  const buffer = Buffer.allocUnsafe(4);
  writeAck(buffer, 0, header, messageId);
  return buffer;
}

const NAMES = [
  'reserved type 0',
  'CONNECT',
  'CONNACK',
  'PUBLISH',
  'PUBACK',
  'PUBREC',
  'PUBREL',
  'PUBCOMP',
  'SUBSCRIBE',
  'SUBACK',
  'UNSUBSCRIBE',
  'UNSUBACK',
  'PINGREQ',
  'PINGRESP',
  'DISCONNECT',
  'reserved type 15',
] as const;

/** §2.2.2: the flags (low nibble) of each packet type a server may send us; PUBLISH's vary. */
const FLAGS: (number | undefined)[] = [];
FLAGS[2] = 0;
FLAGS[4] = 0;
FLAGS[6] = 2;
FLAGS[9] = 0;
FLAGS[11] = 0;
FLAGS[13] = 0;

/** Why a type never comes from a server to this client. */
function notFromServer(type: number): string {
  if (type === 0 || type === 15) return 'a reserved packet type (§2.2.1)';
  if (type === 5 || type === 7) return 'not expected: this client never publishes QoS 2';
  return 'a packet only a client sends (§2.2.1)';
}

/** A server sent bytes that are not a packet it may send us. */
export class MalformedPacketError extends Error {
  constructor(
    readonly packetType: string,
    detail: string,
  ) {
    super(`${packetType}: ${detail}`);
    this.name = 'MalformedPacketError';
  }
}

export interface DecoderOptions {
  /** Largest packet (fixed header included) to accept, default 16 MiB: a server cannot make us buffer without bound. */
  maxPacketSize?: number;
}

/**
 * An incremental decoder of server → client packets. Complete packets are parsed straight from each read (a
 * PUBLISH's payload is a view of it); a packet split across reads is held, and copied once, when complete. After
 * malformed bytes the packets before them have been delivered and the decoder stops (every later push returns the
 * same error).
 */
export class PacketDecoder {
  private readonly maxPacketSize: number;
  private held: Buffer[] = [];
  private heldLength = 0;
  /** Bytes the held packet needs in all; 0 while its fixed header is incomplete. */
  private needed = 0;
  private failed: MalformedPacketError | undefined;

  constructor(
    private readonly onPacket: (packet: IncomingPacket) => void,
    options: DecoderOptions = {},
  ) {
    this.maxPacketSize = options.maxPacketSize ?? 16 * 1024 * 1024;
  }

  /** Decodes `chunk`, calling onPacket for each complete packet; returns the error if the bytes are malformed. */
  push(chunk: Buffer): MalformedPacketError | undefined {
    if (this.failed) return this.failed;
    let buffer = chunk;
    if (this.heldLength > 0) {
      if (this.needed === 0) {
        // The fixed header was split (at most 4 bytes held): read it from the held bytes and the start of this read.
        const head = Buffer.concat([...this.held, chunk.subarray(0, 5)]);
        const needed = this.packetSize(head, 0);
        if (needed === undefined) return this.failed;
        if (needed === 0) {
          this.hold(chunk);
          return undefined;
        }
        this.needed = needed;
      }
      const have = this.heldLength;
      if (have + chunk.length < this.needed) {
        this.hold(chunk);
        return undefined;
      }
      const take = this.needed - have;
      this.held.push(take === chunk.length ? chunk : chunk.subarray(0, take));
      const packet = Buffer.concat(this.held, this.needed);
      this.held = [];
      this.heldLength = 0;
      this.needed = 0;
      if (this.decode(packet) !== packet.length) return this.failed;
      if (take === chunk.length) return undefined;
      buffer = chunk.subarray(take);
    }
    const end = this.decode(buffer);
    if (end === undefined) return this.failed;
    if (end < buffer.length) {
      this.needed = this.packetSize(buffer, end) ?? 0;
      this.hold(end === 0 ? buffer : buffer.subarray(end));
    }
    return undefined;
  }

  private hold(bytes: Buffer): void {
    this.held.push(bytes);
    this.heldLength += bytes.length;
  }

  private fail(type: number, detail: string): undefined {
    this.failed = new MalformedPacketError(NAMES[type]!, detail);
    this.held = [];
    this.heldLength = 0;
    return undefined;
  }

  /**
   * The total size of the packet at `offset` from its fixed header: 0 if the header is incomplete, undefined (and
   * `failed` set) if the type, flags or length are not acceptable.
   */
  private packetSize(buffer: Buffer, offset: number): number | undefined {
    const header = buffer[offset]!;
    const type = header >> 4;
    const flags = FLAGS[type];
    if (type === 3) {
      // [MQTT-3.3.1-4] a PUBLISH with both QoS bits set is malformed.
      if ((header & 0x06) === 0x06) return this.fail(type, 'QoS 3 (both QoS bits set, [MQTT-3.3.1-4])');
    } else if (flags === undefined) return this.fail(type, notFromServer(type));
    else if ((header & 0x0f) !== flags)
      // [MQTT-2.2.2-2] flags other than those the spec fixes are malformed.
      return this.fail(type, `fixed header flags 0x${(header & 0x0f).toString(16)} (must be 0x${flags.toString(16)}, [MQTT-2.2.2-2])`);
    let length = 0;
    let multiplier = 1;
    let at = offset + 1;
    for (;;) {
      if (at >= buffer.length) return 0;
      const byte = buffer[at++]!;
      length += (byte & 0x7f) * multiplier;
      if ((byte & 0x80) === 0) break;
      // §2.2.3: the Remaining Length is four bytes at most.
      if (at - offset > 4) return this.fail(type, 'Remaining Length longer than 4 bytes (malformed, §2.2.3)');
      multiplier *= 128;
    }
    const size = at - offset + length;
    if (size > this.maxPacketSize) return this.fail(type, `${size} bytes, over the maximum packet size of ${this.maxPacketSize} bytes`);
    return size;
  }

  /** Decodes the complete packets of `buffer`; returns where the first incomplete one starts, undefined on an error. */
  private decode(buffer: Buffer): number | undefined {
    let offset = 0;
    const size = buffer.length;
    while (offset < size) {
      const header = buffer[offset]!;
      const type = header >> 4;
      let at = offset + 2;
      let length = at <= size ? buffer[offset + 1]! : 0x80;
      // The common case (a one-byte Remaining Length, flags as they must be) without the general path.
      const fast =
        length < 0x80 && (FLAGS[type] === (header & 0x0f) || (type === 3 && (header & 0x06) !== 0x06)) && length + 2 <= this.maxPacketSize;
      if (!fast) {
        const packetSize = this.packetSize(buffer, offset);
        if (packetSize === undefined) return undefined;
        if (packetSize === 0 || offset + packetSize > size) return offset;
        at = offset + 1;
        while (buffer[at++]! & 0x80);
        length = packetSize - (at - offset);
      }
      const end = at + length;
      if (end > size) return offset;
      const packet = this.body(header, buffer, at, end);
      if (packet === undefined) return undefined;
      offset = end;
      this.onPacket(packet);
    }
    return offset;
  }

  /** The packet whose fixed header (already checked) is `header` and whose rest is buffer[at, end). */
  private body(header: number, buffer: Buffer, at: number, end: number): IncomingPacket | undefined {
    const type = header >> 4;
    const length = end - at;
    switch (type) {
      case 3: {
        const qos = ((header >> 1) & 3) as 0 | 1 | 2;
        if (length < 2) return this.fail(type, `Remaining Length ${length} leaves no room for the topic length`);
        const topicEnd = at + 2 + ((buffer[at]! << 8) | buffer[at + 1]!);
        const payloadStart = qos > 0 ? topicEnd + 2 : topicEnd;
        if (payloadStart > end)
          return this.fail(
            type,
            `topic length ${topicEnd - at - 2}${qos > 0 ? ' and packet identifier' : ''} past the end of the packet (Remaining Length ${length}, §3.3.2)`,
          );
        let messageId: number | undefined;
        if (qos > 0) {
          messageId = (buffer[topicEnd]! << 8) | buffer[topicEnd + 1]!;
          // [MQTT-2.3.1-1] packet identifiers are non-zero.
          if (messageId === 0) return this.fail(type, `QoS ${qos} with packet identifier 0 ([MQTT-2.3.1-1])`);
        }
        return {
          cmd: 'publish',
          topic: buffer.toString('utf8', at + 2, topicEnd),
          payload: buffer.subarray(payloadStart, end),
          qos,
          retain: (header & 1) !== 0,
          dup: (header & 8) !== 0,
          messageId,
        };
      }
      case 2: {
        if (length !== 2) return this.fail(type, `Remaining Length ${length} (must be 2, §3.2.1)`);
        const flags = buffer[at]!;
        // [MQTT-3.2.2-1] bits 7-1 of the acknowledge flags are reserved, 0.
        if (flags > 1) return this.fail(type, `acknowledge flags 0x${flags.toString(16)} (bits 7-1 must be 0, §3.2.2.1)`);
        return { cmd: 'connack', sessionPresent: flags === 1, returnCode: buffer[at + 1]! };
      }
      case 4:
      case 6:
      case 11: {
        if (length !== 2) return this.fail(type, `Remaining Length ${length} (must be 2)`);
        const cmd = type === 4 ? 'puback' : type === 6 ? 'pubrel' : 'unsuback';
        return { cmd, messageId: (buffer[at]! << 8) | buffer[at + 1]! };
      }
      case 9: {
        if (length < 3) return this.fail(type, `Remaining Length ${length} (a packet identifier and one return code at least, §3.9)`);
        const granted: number[] = [];
        for (let i = at + 2; i < end; i++) {
          const code = buffer[i]!;
          // [MQTT-3.9.3-2] return codes other than 0x00, 0x01, 0x02 and 0x80 are reserved.
          if (code > 2 && code !== 0x80)
            return this.fail(type, `return code 0x${code.toString(16)} (must be 0x00, 0x01, 0x02 or 0x80, [MQTT-3.9.3-2])`);
          granted.push(code);
        }
        return { cmd: 'suback', messageId: (buffer[at]! << 8) | buffer[at + 1]!, granted };
      }
      case 13:
        if (length !== 0) return this.fail(type, `Remaining Length ${length} (must be 0, §3.13)`);
        return { cmd: 'pingresp' };
      default:
        return this.fail(type, notFromServer(type));
    }
  }
}
