import { EventEmitter } from 'node:events';
import { isIP, connect as netConnect, type Socket } from 'node:net';
import { type ConnectionOptions, connect as tlsConnect } from 'node:tls';
import {
  DISCONNECT,
  encodeAck,
  encodeConnect,
  encodePublish,
  encodeSubscribe,
  encodeUnsubscribe,
  type IncomingPacket,
  PacketDecoder,
  PINGREQ,
  PUBACK,
  PUBCOMP,
  PUBREC,
  writeAck,
} from './codec.js';

export interface MqttClientOptions {
  /** `mqtt://host:port` (or `tcp://`) or `mqtts://host:port` (or `ssl://`); ports default to 1883 and 8883. */
  url: string;
  clientId: string;
  username?: string;
  password?: string | Buffer;
  /** CleanSession (default true). With false, QoS 1 publishes in flight survive a lost connection. */
  clean?: boolean;
  /** Seconds (default 60); 0 turns keepalive off. */
  keepalive?: number;
  will?: { topic: string; payload: string | Buffer; qos: 0 | 1; retain?: boolean };
  /** For `mqtts://`: ca, cert, key, servername… Certificates are verified unless `rejectUnauthorized: false`. */
  tls?: ConnectionOptions;
  /** From connect() to CONNACK (TCP, TLS and MQTT handshakes), default 10,000 ms. */
  connectTimeoutMs?: number;
  /** Incoming QoS 1 PUBLISHes are acknowledged only when the application calls ack(). */
  manualAcks?: boolean;
  /** The largest packet accepted from the server (fixed header included), default 16 MiB; a larger one is an error. */
  maxPacketSize?: number;
}

export interface ConnackInfo {
  sessionPresent: boolean;
}

export interface MessageInfo {
  qos: 0 | 1 | 2;
  retain: boolean;
  dup: boolean;
  messageId?: number;
}

export interface PublishOptions {
  qos?: 0 | 1;
  retain?: boolean;
}

export interface Subscription {
  topic: string;
  qos: 0 | 1 | 2;
}

/** [MQTT-3.2.2-3] CONNACK return codes 1 to 5. */
const REFUSALS: Record<number, string> = {
  1: 'unacceptable protocol version',
  2: 'identifier rejected',
  3: 'server unavailable',
  4: 'bad user name or password',
  5: 'not authorized',
};

/** An error with the CONNACK return code (1-5) when the server refused the connection. */
export class ConnectionRefusedError extends Error {
  constructor(readonly code: number) {
    super(`connection refused: ${REFUSALS[code] ?? `return code ${code}`}`);
    this.name = 'ConnectionRefusedError';
  }
}

interface InFlight {
  kind: 'publish' | 'subscribe' | 'unsubscribe';
  /** The encoded PUBLISH, kept to be sent again after a reconnect (QoS 1 only). */
  bytes?: Buffer;
  /** Whether it reached the socket on some connection (a resend then carries DUP). */
  sent: boolean;
  resolve: (value: never) => void;
  reject: (error: Error) => void;
}

interface QueuedWrite {
  bytes: Buffer;
  /** Called once the bytes are handed to the socket. */
  written?: () => void;
  /** Called if the connection is gone before that. */
  dropped?: (error: Error) => void;
}

const MAX_ID = 65_535;

/** The events and their arguments. */
export interface MqttClientEvents {
  connect: [connack: ConnackInfo];
  close: [];
  error: [error: Error];
  message: [topic: string, payload: Buffer, packet: MessageInfo];
}

/**
 * A lean MQTT 3.1.1 client (QoS 0 and 1 out, 0/1/2 in) with its own codec (codec.ts): no automatic reconnect, no offline
 * queue, no WebSocket. See docs/mqtt-client.md.
 */
export class MqttClient extends EventEmitter<MqttClientEvents> {
  private readonly options: MqttClientOptions;
  private readonly host: string;
  private readonly port: number;
  private readonly secure: boolean;
  private readonly keepaliveMs: number;
  private socket: Socket | undefined;
  private isConnected = false;
  private ending = false;
  /** Packets waiting for an acknowledgement, by message id; Map order is send order (for resends). */
  private readonly inFlight = new Map<number, InFlight>();
  private nextId = 1;
  /** Incoming QoS 2 ids PUBRECed and not yet released [MQTT-4.3.3-2]: a resent PUBLISH is not delivered twice. */
  private incomingQos2 = new Set<number>();
  /** Incoming QoS 1 ids of this connection not yet PUBACKed (manualAcks). */
  private unacked = new Set<number>();
  /** Writes held back while the socket's buffer is full (write() returned false), until 'drain'. */
  private queue: QueuedWrite[] = [];
  private queueHead = 0;
  private blocked = false;
  private corked = false;
  private connectTimer: NodeJS.Timeout | undefined;
  private keepaliveTimer: NodeJS.Timeout | undefined;
  private lastSent = 0;
  private lastReceived = 0;
  private pingSentAt = 0;

  constructor(options: MqttClientOptions) {
    super();
    let url: URL;
    try {
      url = new URL(options.url);
    } catch {
      throw new TypeError(`mqtt-client: url ${JSON.stringify(options.url)} is not a URL (mqtt://host:port or mqtts://host:port)`);
    }
    if (url.protocol === 'mqtt:' || url.protocol === 'tcp:') this.secure = false;
    else if (url.protocol === 'mqtts:' || url.protocol === 'ssl:') this.secure = true;
    else
      throw new TypeError(`mqtt-client: url ${options.url}: scheme ${url.protocol} is not supported (mqtt:// or mqtts://; no WebSocket)`);
    this.host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    this.port = url.port ? Number(url.port) : this.secure ? 8883 : 1883;
    const keepalive = options.keepalive ?? 60;
    if (!Number.isInteger(keepalive) || keepalive < 0 || keepalive > 65_535)
      throw new RangeError(`mqtt-client: keepalive ${keepalive} must be whole seconds from 0 to 65535`);
    if (options.will && (options.will.qos as number) === 2) throw new RangeError('mqtt-client: a will with QoS 2 is not supported');
    if (options.password !== undefined && options.username === undefined)
      throw new TypeError('mqtt-client: a password needs a username ([MQTT-3.1.2-22])');
    this.keepaliveMs = keepalive * 1000;
    this.options = options;
  }

  get connected(): boolean {
    return this.isConnected;
  }

  /** Opens the connection; does nothing while one is open or opening. Never reconnects by itself. */
  connect(): void {
    if (this.socket) return;
    this.ending = false;
    const socket = this.secure
      ? tlsConnect({
          host: this.host,
          port: this.port,
          ...(isIP(this.host) ? {} : { servername: this.host }),
          ...this.options.tls,
        })
      : netConnect({ host: this.host, port: this.port });
    this.socket = socket;
    socket.setNoDelay(true);
    const decoder = new PacketDecoder(
      (packet) => this.onPacket(socket, packet),
      this.options.maxPacketSize === undefined ? {} : { maxPacketSize: this.options.maxPacketSize },
    );
    socket.on(this.secure ? 'secureConnect' : 'connect', () => this.sendConnect(socket));
    socket.on('data', (chunk: Buffer) => {
      this.lastReceived = Date.now();
      const error = decoder.push(chunk);
      if (error) this.fail(socket, new Error(`mqtt-client: malformed packet from the server: ${error.message}`));
    });
    socket.on('drain', () => {
      if (socket === this.socket) this.flushQueue();
    });
    socket.on('error', (error) => this.emit('error', error));
    socket.on('close', () => this.onClose(socket));
    const timeoutMs = this.options.connectTimeoutMs ?? 10_000;
    this.connectTimer = setTimeout(
      () => this.fail(socket, new Error(`mqtt-client: no CONNACK from ${this.options.url} within ${timeoutMs} ms`)),
      timeoutMs,
    );
  }

  /**
   * QoS 0 resolves when the PUBLISH is handed to the socket, QoS 1 on its PUBACK. Rejects when not connected, or
   * when the connection is lost first (with `clean: false` a QoS 1 publish is resent after the next CONNACK instead).
   */
  publish(topic: string, payload: string | Buffer, opts: PublishOptions = {}): Promise<void> {
    const qos = opts.qos ?? 0;
    if ((qos as number) === 2) throw new RangeError('mqtt-client: publishing with QoS 2 is not supported (QoS 0 or 1)');
    if (qos !== 0 && qos !== 1) throw new RangeError(`mqtt-client: QoS ${qos} is not 0 or 1`);
    if (typeof topic !== 'string' || topic.length === 0 || topic.includes('+') || topic.includes('#'))
      throw new TypeError(`mqtt-client: cannot publish to topic ${JSON.stringify(topic)} (empty or with a wildcard)`);
    if (!this.isConnected) return Promise.reject(new Error(`mqtt-client: not connected; publish to ${topic} not sent`));
    const retain = opts.retain ?? false;
    if (qos === 0) {
      const bytes = encodePublish(topic, payload, 0, retain);
      return new Promise((resolve, reject) => this.write(bytes, resolve, reject));
    }
    return new Promise((resolve, reject) => {
      const messageId = this.allocateId();
      if (messageId === undefined) return reject(new Error('mqtt-client: no free message id (65,535 packets in flight)'));
      const bytes = encodePublish(topic, payload, 1, retain, messageId);
      const entry: InFlight = { kind: 'publish', bytes, sent: false, resolve: resolve as (value: never) => void, reject };
      this.inFlight.set(messageId, entry);
      this.write(bytes, () => {
        entry.sent = true;
      });
    });
  }

  /** Resolves with the granted QoS of each subscription in order; 0x80 (128) is a refusal, not an exception. */
  subscribe(subscriptions: readonly Subscription[]): Promise<number[]> {
    if (subscriptions.length === 0) throw new TypeError('mqtt-client: subscribe needs at least one topic filter');
    return this.request('subscribe', (messageId) => encodeSubscribe(messageId, subscriptions));
  }

  unsubscribe(topics: readonly string[]): Promise<void> {
    if (topics.length === 0) throw new TypeError('mqtt-client: unsubscribe needs at least one topic filter');
    return this.request('unsubscribe', (messageId) => encodeUnsubscribe(messageId, topics));
  }

  /** manualAcks: PUBACKs for these incoming QoS 1 messages, in one write. Ids not pending on this connection are ignored. */
  ack(messageIds: readonly number[]): void {
    if (!this.isConnected) return;
    const bytes = Buffer.allocUnsafe(messageIds.length * 4);
    let length = 0;
    for (const id of messageIds) {
      if (!this.unacked.delete(id)) continue;
      length = writeAck(bytes, length, PUBACK, id);
    }
    if (length > 0) this.write(bytes.subarray(0, length));
  }

  /**
   * Graceful: waits for queued writes and acknowledgements in flight, then DISCONNECT (the will is discarded).
   * Forced: destroys the connection now. Either way, what is still pending then is rejected.
   */
  async end(force = false): Promise<void> {
    this.ending = true;
    const socket = this.socket;
    if (!socket) {
      this.rejectAll(new Error('mqtt-client: client ended'));
      return;
    }
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    if (!force && this.isConnected) {
      await this.settled(socket);
      if (socket === this.socket && this.isConnected) {
        this.write(DISCONNECT);
        socket.end();
      }
    } else {
      socket.destroy();
    }
    await closed;
  }

  private sendConnect(socket: Socket): void {
    const { clientId, username, password, will } = this.options;
    const bytes = encodeConnect({
      clientId,
      clean: this.options.clean ?? true,
      keepalive: this.keepaliveMs / 1000,
      ...(username === undefined ? {} : { username }),
      ...(password === undefined ? {} : { password: typeof password === 'string' ? Buffer.from(password) : password }),
      ...(will
        ? {
            will: {
              topic: will.topic,
              payload: typeof will.payload === 'string' ? Buffer.from(will.payload) : will.payload,
              qos: will.qos,
              retain: will.retain ?? false,
            },
          }
        : {}),
    });
    this.lastSent = Date.now();
    socket.write(bytes);
  }

  private onPacket(socket: Socket, packet: IncomingPacket): void {
    if (socket !== this.socket) return;
    switch (packet.cmd) {
      case 'publish': {
        const qos = packet.qos;
        if (qos === 0) {
          this.emit('message', packet.topic, packet.payload as Buffer, packet);
        } else if (qos === 1) {
          const id = packet.messageId!;
          if (this.options.manualAcks) {
            this.unacked.add(id);
            this.emit('message', packet.topic, packet.payload as Buffer, packet);
          } else {
            this.emit('message', packet.topic, packet.payload as Buffer, packet);
            // After the listeners ran: a process that dies inside one gets the message again [MQTT-4.3.2-2].
            if (socket === this.socket) {
              this.write(encodeAck(PUBACK, id));
            }
          }
        } else {
          // QoS 2, method B of [MQTT-4.3.3-2]: deliver on PUBLISH, remember the id until PUBREL.
          const id = packet.messageId!;
          if (!this.incomingQos2.has(id)) {
            this.incomingQos2.add(id);
            this.emit('message', packet.topic, packet.payload as Buffer, packet);
          }
          if (socket === this.socket) this.write(encodeAck(PUBREC, id));
        }
        return;
      }
      case 'puback':
      case 'suback':
      case 'unsuback': {
        const id = packet.messageId;
        const entry = this.inFlight.get(id);
        if (!entry || entry.kind !== ACKED_KIND[packet.cmd]) return;
        this.inFlight.delete(id);
        if (packet.cmd === 'suback') entry.resolve(packet.granted as never);
        else entry.resolve(undefined as never);
        return;
      }
      case 'pubrel':
        this.incomingQos2.delete(packet.messageId);
        this.write(encodeAck(PUBCOMP, packet.messageId));
        return;
      case 'pingresp':
        this.pingSentAt = 0;
        return;
      case 'connack':
        this.onConnack(socket, packet.returnCode, packet.sessionPresent);
        return;
    }
  }

  private onConnack(socket: Socket, returnCode: number, sessionPresent: boolean): void {
    clearTimeout(this.connectTimer);
    if (this.isConnected || returnCode !== 0) {
      this.fail(
        socket,
        returnCode !== 0 ? new ConnectionRefusedError(returnCode) : new Error('mqtt-client: a second CONNACK from the server'),
      );
      return;
    }
    this.isConnected = true;
    // [MQTT-4.4.0-1] with CleanSession 0, unacknowledged PUBLISHes go again with their ids, DUP set [MQTT-3.3.1-1],
    // before anything new (kept in order, [MQTT-4.6.0-2]).
    for (const entry of this.inFlight.values()) {
      if (entry.kind !== 'publish' || !entry.bytes) continue;
      if (entry.sent) entry.bytes[0] = entry.bytes[0]! | 0x08;
      this.write(entry.bytes, () => {
        entry.sent = true;
      });
    }
    if (this.keepaliveMs > 0) {
      this.lastReceived = Date.now();
      this.pingSentAt = 0;
      this.scheduleKeepalive(this.keepaliveMs);
    }
    this.emit('connect', { sessionPresent });
  }

  /**
   * [MQTT-3.1.2-23] something must be sent within each keepalive period: PINGREQ when nothing was. A PINGREQ also
   * goes out when nothing was received for a period, so a server that went silent is noticed even while we publish
   * QoS 0 (which it never answers). No PINGRESP (nor any packet) half a period later: the connection is dead —
   * at most 1.5 × keepalive after the last packet received, the server's own limit [MQTT-3.1.2-24].
   * One timer, re-armed lazily: writes only record the time.
   */
  private scheduleKeepalive(delayMs: number): void {
    this.keepaliveTimer = setTimeout(() => this.checkKeepalive(), Math.max(delayMs, 10));
    this.keepaliveTimer.unref();
  }

  private checkKeepalive(): void {
    const socket = this.socket;
    if (!socket || !this.isConnected) return;
    const now = Date.now();
    const period = this.keepaliveMs;
    if (this.pingSentAt > 0) {
      if (this.lastReceived > this.pingSentAt) this.pingSentAt = 0;
      else if (now - this.pingSentAt >= period / 2) {
        this.fail(socket, new Error(`mqtt-client: no answer from the server within 1.5 × keepalive (${(period * 1.5) / 1000} s)`));
        return;
      }
    }
    if (this.pingSentAt === 0 && (now - this.lastSent >= period || now - this.lastReceived >= period)) {
      this.pingSentAt = now;
      this.write(PINGREQ);
    }
    const next = this.pingSentAt > 0 ? this.pingSentAt + period / 2 : Math.min(this.lastSent + period, this.lastReceived + period);
    this.scheduleKeepalive(next - now);
  }

  private request<T>(kind: 'subscribe' | 'unsubscribe', encode: (messageId: number) => Buffer): Promise<T> {
    if (!this.isConnected) return Promise.reject(new Error(`mqtt-client: not connected; ${kind} not sent`));
    return new Promise<T>((resolve, reject) => {
      const messageId = this.allocateId();
      if (messageId === undefined) return reject(new Error('mqtt-client: no free message id (65,535 packets in flight)'));
      this.inFlight.set(messageId, { kind, sent: false, resolve: resolve as (value: never) => void, reject });
      this.write(encode(messageId));
    });
  }

  /** Message ids 1 to 65,535 [MQTT-2.3.1-1], skipping those still in flight [MQTT-2.3.1-2]. */
  private allocateId(): number | undefined {
    if (this.inFlight.size >= MAX_ID) return undefined;
    while (this.inFlight.has(this.nextId)) this.nextId = this.nextId === MAX_ID ? 1 : this.nextId + 1;
    const id = this.nextId;
    this.nextId = id === MAX_ID ? 1 : id + 1;
    return id;
  }

  /**
   * Writes within one turn of the event loop are corked into one writev (uncorked on setImmediate, not nextTick:
   * the PUBACKs for several reads then share a system call, which is most of a subscriber's CPU). When the socket's buffer is full, writes wait here for
   * 'drain' instead: a QoS 0 publish's promise then settles later, which is the application's backpressure.
   */
  private write(bytes: Buffer, written?: () => void, dropped?: (error: Error) => void): void {
    const socket = this.socket;
    if (!socket || socket.destroyed) {
      dropped?.(new Error('mqtt-client: connection lost before the packet was sent'));
      return;
    }
    if (this.blocked) {
      this.queue.push({ bytes, written, dropped });
      return;
    }
    this.writeNow(socket, bytes, written);
  }

  private writeNow(socket: Socket, bytes: Buffer, written?: () => void): void {
    if (!this.corked) {
      this.corked = true;
      socket.cork();
      setImmediate(() => {
        this.corked = false;
        socket.uncork();
      });
    }
    this.lastSent = Date.now();
    if (!socket.write(bytes)) this.blocked = true;
    written?.();
  }

  private flushQueue(): void {
    const socket = this.socket!;
    this.blocked = false;
    while (this.queueHead < this.queue.length && !this.blocked) {
      const item = this.queue[this.queueHead]!;
      this.queue[this.queueHead++] = undefined as unknown as QueuedWrite;
      this.writeNow(socket, item.bytes, item.written);
    }
    if (this.queueHead === this.queue.length) {
      this.queue = [];
      this.queueHead = 0;
    }
  }

  /** Resolves once queued writes are on the socket and nothing waits for an acknowledgement (or the socket closed). */
  private settled(socket: Socket): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        if (socket !== this.socket || socket.destroyed || (!this.blocked && this.inFlight.size === 0)) {
          socket.off('close', check);
          clearInterval(timer);
          resolve();
        }
      };
      const timer = setInterval(check, 20);
      socket.once('close', check);
      check();
    });
  }

  /** Emits `error` and closes the connection. */
  private fail(socket: Socket, error: Error): void {
    if (socket !== this.socket || socket.destroyed) return;
    this.emit('error', error);
    socket.destroy();
  }

  private onClose(socket: Socket): void {
    if (socket !== this.socket) return;
    clearTimeout(this.connectTimer);
    clearTimeout(this.keepaliveTimer);
    this.socket = undefined;
    this.isConnected = false;
    this.blocked = false;
    this.corked = false;
    this.unacked = new Set();
    const lost = new Error('mqtt-client: connection lost before the packet was sent');
    for (let i = this.queueHead; i < this.queue.length; i++) this.queue[i]!.dropped?.(lost);
    this.queue = [];
    this.queueHead = 0;
    const clean = this.options.clean ?? true;
    if (this.ending) this.rejectAll(new Error('mqtt-client: client ended before an acknowledgement came'));
    else {
      if (clean) this.incomingQos2 = new Set();
      for (const [id, entry] of this.inFlight) {
        // A QoS 1 PUBLISH of a persistent session is resent after the next CONNACK; nothing else is [MQTT-4.4.0-1].
        if (entry.kind === 'publish' && !clean) continue;
        this.inFlight.delete(id);
        entry.reject(
          new Error(
            `mqtt-client: connection lost before the ${entry.kind === 'publish' ? 'PUBACK' : `${entry.kind.toUpperCase()} acknowledgement`}`,
          ),
        );
      }
    }
    this.emit('close');
  }

  private rejectAll(error: Error): void {
    for (const entry of this.inFlight.values()) entry.reject(error);
    this.inFlight.clear();
  }
}

const ACKED_KIND = { puback: 'publish', suback: 'subscribe', unsuback: 'unsubscribe' } as const;
