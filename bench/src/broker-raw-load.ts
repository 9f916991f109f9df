import { connect, type Socket } from 'node:net';
import mqttPacket from 'mqtt-packet';

/**
 * Load for the broker bench that costs the load processes as little as possible, the same for every broker: raw
 * MQTT 3.1.1 over a socket, CONNECT and SUBSCRIBE encoded by mqtt-packet, every PUBLISH encoded before the start
 * (only the send timestamp is written into it when it goes), and incoming packets split by their fixed header,
 * reading only what is counted (PUBACK: the packet identifier; PUBLISH: the gateway in the topic, the timestamp
 * and sequence number at their fixed places in the payload). MQTT.js spent 3–5 times the broker's CPU per message.
 */

export interface Account {
  username: string;
  password: string;
}

type OnPacket = (buffer: Buffer, start: number, end: number) => void;

/** A connection that hands each complete MQTT packet (fixed header included) to `onPacket`. */
class RawConnection {
  private rest: Buffer | null = null;
  onPacket: OnPacket = () => {};
  constructor(readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.read(chunk));
  }

  private read(chunk: Buffer): void {
    const buffer = this.rest ? Buffer.concat([this.rest, chunk]) : chunk;
    this.rest = null;
    let offset = 0;
    while (offset + 2 <= buffer.length) {
      let length = 0;
      let multiplier = 1;
      let at = offset + 1;
      let complete = false;
      while (at < buffer.length && at < offset + 5) {
        const byte = buffer[at++] as number;
        length += (byte & 0x7f) * multiplier;
        multiplier *= 128;
        if ((byte & 0x80) === 0) {
          complete = true;
          break;
        }
      }
      if (!complete || at + length > buffer.length) break;
      this.onPacket(buffer, offset, at + length);
      offset = at + length;
    }
    if (offset < buffer.length) this.rest = buffer.subarray(offset);
  }

  /** Resolves with the first packet of type `type` (high nibble), failing on a close or timeout first. */
  next(type: number, timeoutMs = 30_000): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => fail(new Error(`no packet of type ${type} within ${timeoutMs} ms`)), timeoutMs);
      const fail = (error: Error) => {
        clearTimeout(timer);
        this.socket.off('close', closed);
        reject(error);
      };
      const closed = () => fail(new Error(`connection closed while waiting for packet type ${type}`));
      this.socket.once('close', closed);
      this.onPacket = (buffer, start, end) => {
        if ((buffer[start] as number) >> 4 !== type) return;
        clearTimeout(timer);
        this.socket.off('close', closed);
        this.onPacket = () => {};
        resolve(Buffer.from(buffer.subarray(start, end)));
      };
    });
  }

  write(buffer: Buffer): Promise<void> {
    return this.socket.write(buffer) ? Promise.resolve() : new Promise((resolve) => this.socket.once('drain', resolve));
  }

  end(): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.destroyed) return resolve();
      this.socket.once('close', () => resolve());
      this.socket.end(Buffer.from([0xe0, 0x00])); // DISCONNECT
    });
  }
}

async function open(url: string, clientId: string, account: Account, clean = true): Promise<RawConnection> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port || 1883), hostname);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.on('error', () => {});
  const connection = new RawConnection(socket);
  const connack = connection.next(2);
  socket.write(
    mqttPacket.generate({
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: 4,
      clean,
      clientId,
      keepalive: 600,
      username: account.username,
      password: Buffer.from(account.password),
    }),
  );
  const answer = await connack;
  if (answer[3] !== 0) throw new Error(`${url}: CONNACK return code ${answer[3]} for ${clientId}`);
  return connection;
}

/** Topic prefix before the gateway number; the subscriber reads the number that follows it. */
const gatewayPrefix = (site: string) => Buffer.from(`lophoc/v1/${site}/gw-`);
const TS_OFFSET = '{"v":1,"ts":'.length;
const TS_DIGITS = 13;
const SEQ_OFFSET = TS_OFFSET + TS_DIGITS + ',"seq":'.length;

/**
 * One gateway's messages, encoded at once into one buffer: the payload is the bench's usual
 * `{"v":1,"ts":…,"seq":…,"values":{"temperature":30.5}}` with the sequence number padded with spaces to a fixed
 * width (still JSON), so every packet has the same size and the timestamps and packet identifier sit at fixed places.
 * With `records` > 1 the payload is an array of that many such records (DESIGN §3 allows it; edge agents batch),
 * with consecutive sequence numbers. Sequence numbers start after `seqBase`.
 */
function encodeMessages(topic: string, messages: number, qos: 0 | 1, records = 1, seqBase = 0) {
  const width = String(seqBase + messages * records).length;
  const record = (seq: number) =>
    `{"v":1,"ts":${'0'.repeat(TS_DIGITS)},"seq":${String(seqBase + seq).padStart(width)},"values":{"temperature":30.5}}`;
  const template = (message: number) => {
    if (records === 1) return record(message);
    const first = (message - 1) * records + 1;
    return `[${Array.from({ length: records }, (_, i) => record(first + i)).join(',')}]`;
  };
  const one = mqttPacket.generate({
    cmd: 'publish',
    topic,
    payload: template(1),
    qos,
    messageId: qos > 0 ? 1 : undefined,
    retain: false,
    dup: false,
  });
  const size = one.length;
  const payloadLength = Buffer.byteLength(template(1));
  const payloadStart = size - payloadLength;
  const recordLength = Buffer.byteLength(record(1));
  const all = Buffer.allocUnsafe(size * messages);
  for (let seq = 1; seq <= messages; seq++) {
    const at = (seq - 1) * size;
    one.copy(all, at);
    all.write(template(seq), at + payloadStart, 'latin1');
    if (qos > 0) all.writeUInt16BE(messageIdOf(seq), at + payloadStart - 2);
  }
  // Where each record's timestamp sits in a packet: after `[` and the records (and commas) before it.
  const tsAt = Array.from({ length: records }, (_, i) => payloadStart + (records === 1 ? 0 : 1 + i * (recordLength + 1)) + TS_OFFSET);
  return { all, size, tsAt };
}

/** Packet identifiers 1…65535, one per message in order (a gateway sends fewer than 65,535 per round). */
const messageIdOf = (seq: number) => ((seq - 1) % 65_535) + 1;

function writeDigits(buffer: Buffer, at: number, value: number, digits: number): void {
  let rest = value;
  for (let i = digits - 1; i >= 0; i--) {
    buffer[at + i] = 48 + (rest % 10);
    rest = Math.floor(rest / 10);
  }
}

export interface Publisher {
  /**
   * Sends every message (bursts of `burst`, a turn between bursts, at most `window` unacknowledged; with `perSecond`,
   * each burst no sooner than its share of that rate), resolves when all are acknowledged (QoS 1) or written (QoS 0).
   */
  send(): Promise<void>;
  /** `performance.timeOrigin + performance.now()` when the last burst was written (0 before). */
  readonly lastWrittenAt: number;
  end(): Promise<void>;
}

export async function rawPublisher(
  url: string,
  account: Account,
  options: {
    topic: string;
    messages: number;
    qos: 0 | 1;
    window: number;
    burst: number;
    records?: number;
    seqBase?: number;
    perSecond?: number;
  },
): Promise<Publisher> {
  const { messages, qos, window, burst, perSecond } = options;
  let lastWrittenAt = 0;
  const connection = await open(url, account.username, account);
  const { all, size, tsAt } = encodeMessages(options.topic, messages, qos, options.records, options.seqBase);
  const inFlight = new Uint8Array(65_536);
  let acked = 0;
  let unacked = 0;
  let wake: (() => void) | undefined;
  connection.onPacket = (buffer, start) => {
    if ((buffer[start] as number) >> 4 !== 4) return; // PUBACK
    const id = ((buffer[start + 2] as number) << 8) | (buffer[start + 3] as number);
    if (inFlight[id] !== 1) throw new Error(`PUBACK for packet identifier ${id}, which is not in flight`);
    inFlight[id] = 0;
    acked += 1;
    unacked -= 1;
    wake?.();
  };
  const waitForAcks = () =>
    new Promise<void>((resolve, reject) => {
      const closed = () => reject(new Error(`${account.username}: connection closed with ${unacked} messages unacknowledged`));
      connection.socket.once('close', closed);
      wake = () => {
        wake = undefined;
        connection.socket.off('close', closed);
        resolve();
      };
    });
  return {
    get lastWrittenAt() {
      return lastWrittenAt;
    },
    async send() {
      let seq = 1;
      const started = performance.now();
      while (seq <= messages) {
        if (perSecond) {
          const wait = started + ((seq - 1) / perSecond) * 1000 - performance.now();
          if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        }
        const count = Math.min(burst, messages - seq + 1, qos === 0 ? burst : window - unacked);
        if (count <= 0) {
          await waitForAcks();
          continue;
        }
        const now = Date.now();
        const from = (seq - 1) * size;
        for (let i = 0; i < count; i++) {
          for (const at of tsAt) writeDigits(all, from + i * size + at, now, TS_DIGITS);
          if (qos > 0) {
            inFlight[messageIdOf(seq + i)] = 1;
            unacked += 1;
          }
        }
        seq += count;
        await connection.write(all.subarray(from, from + count * size));
        lastWrittenAt = performance.timeOrigin + performance.now();
        await new Promise((resolve) => setImmediate(resolve));
      }
      while (qos > 0 && acked < messages) await waitForAcks();
    },
    end: () => connection.end(),
  };
}

export interface SubscriberReport {
  /** Distinct messages received (each gateway's sequence numbers counted once). */
  received: number;
  duplicates: number;
  malformed: number;
  first: number;
  last: number;
  latencies: number[];
}

/**
 * `clients` subscribers to `filter`, counting every message by gateway and sequence number (per client) and
 * acknowledging QoS 1 deliveries with one write of PUBACKs per read.
 */
export async function rawSubscribers(
  url: string,
  account: Account,
  options: {
    clients: number;
    filter: string;
    qos: 0 | 1;
    site: string;
    messagesPerGateway: number;
    clientIdPrefix: string;
    /** false: a persistent session (as the ops-center's ingest has), which the broker keeps between connections. */
    clean: boolean;
  },
): Promise<{ report(): SubscriberReport; end(): Promise<void> }> {
  const prefix = gatewayPrefix(options.site);
  const report: SubscriberReport = { received: 0, duplicates: 0, malformed: 0, first: 0, last: 0, latencies: [] };
  const connections: RawConnection[] = [];
  for (let c = 0; c < options.clients; c++) {
    const connection = await open(url, `${options.clientIdPrefix}-${c}`, account, options.clean);
    const suback = connection.next(9);
    await connection.write(
      mqttPacket.generate({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: options.filter, qos: options.qos }] }),
    );
    const granted = (await suback)[4];
    if (granted === 0x80) throw new Error(`${url}: subscription to ${options.filter} refused`);
    const seen = new Map<number, Uint8Array>();
    let acks: number[] = [];
    let flushScheduled = false;
    const flushAcks = () => {
      flushScheduled = false;
      const packets = Buffer.allocUnsafe(acks.length * 4);
      for (let i = 0; i < acks.length; i++) {
        const id = acks[i] as number;
        packets[i * 4] = 0x40;
        packets[i * 4 + 1] = 0x02;
        packets[i * 4 + 2] = id >> 8;
        packets[i * 4 + 3] = id & 0xff;
      }
      acks = [];
      connection.socket.write(packets);
    };
    let now = 0;
    connection.onPacket = (buffer, start, end) => {
      const header = buffer[start] as number;
      if (header >> 4 !== 3) return;
      if (now === 0) {
        now = Date.now();
        // One clock reading per read of the socket: its packets arrived together.
        process.nextTick(() => {
          now = 0;
        });
      }
      const qos = (header >> 1) & 3;
      let at = start + 1;
      while ((buffer[at++] as number) & 0x80);
      const topicLength = ((buffer[at] as number) << 8) | (buffer[at + 1] as number);
      const topicStart = at + 2;
      let payload = topicStart + topicLength;
      if (qos > 0) {
        acks.push(((buffer[payload] as number) << 8) | (buffer[payload + 1] as number));
        payload += 2;
        if (!flushScheduled) {
          flushScheduled = true;
          process.nextTick(flushAcks);
        }
      }
      let gateway = 0;
      let digit = topicStart + prefix.length;
      if (buffer.compare(prefix, 0, prefix.length, topicStart, digit) !== 0) {
        report.malformed += 1;
        return;
      }
      for (; digit < topicStart + topicLength && buffer[digit] !== 47; digit++) gateway = gateway * 10 + ((buffer[digit] as number) - 48);
      let ts = 0;
      for (let i = 0; i < TS_DIGITS; i++) ts = ts * 10 + ((buffer[payload + TS_OFFSET + i] as number) - 48);
      let seq = 0;
      for (let i = payload + SEQ_OFFSET; i < end && buffer[i] !== 44; i++)
        if (buffer[i] !== 32) seq = seq * 10 + ((buffer[i] as number) - 48);
      if (!(seq >= 1 && seq <= options.messagesPerGateway) || !(ts > 0)) {
        report.malformed += 1;
        return;
      }
      let bits = seen.get(gateway);
      if (!bits) {
        bits = new Uint8Array(options.messagesPerGateway + 1);
        seen.set(gateway, bits);
      }
      if (bits[seq] === 1) {
        report.duplicates += 1;
        return;
      }
      bits[seq] = 1;
      report.received += 1;
      if (report.first === 0) report.first = now;
      report.last = now;
      report.latencies.push(now - ts);
    };
    connections.push(connection);
  }
  return {
    report: () => report,
    end: async () => {
      await Promise.all(connections.map((connection) => connection.end()));
    },
  };
}
