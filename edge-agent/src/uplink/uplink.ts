import { MqttClient } from '@lophoc/mqtt-client';
import {
  type AvailabilityPayload,
  type BirthPayload,
  buildTopic,
  type CmdPayload,
  type CmdResultPayload,
  decodeMessage,
  encodeMessage,
  type HealthPayload,
  ProtocolError,
} from '@lophoc/protocol/lite';
import type { Logger } from '@lophoc/scripts/logger';
import { Backoff } from '../transports/backoff.js';
import type { Outbox, OutboxRecord } from './outbox.js';
import { RateLimiter } from './rate-limiter.js';

export interface UplinkOptions {
  url: string;
  username?: string;
  password?: string;
  site: string;
  node: string;
  version: string;
  outbox: Outbox;
  birth: () => BirthPayload;
  log: Logger;
  /** A record published but not acknowledged by the hub within this time is sent again. */
  ackTimeoutMs?: number;
  /** Records taken from the outbox at a time while draining it. */
  batchSize?: number;
  /**
   * QoS 1 messages published and not yet acknowledged by the broker (PUBACK), at most (default 200): the drain
   * keeps this window full instead of waiting for each batch, so the link's round trip does not bound the rate.
   */
  inFlightWindow?: number;
  /**
   * Telemetry records of one device packed into one message, at most (default 1; DESIGN §3 allows arrays, the
   * protocol at most 1,000). Worth raising for replaying a backlog; consumers must accept arrays.
   */
  recordsPerMessage?: number;
  /** Records published per second at most, so a replayed backlog is paced (default 500). */
  maxPublishRate?: number;
  /** Reconnect backoff (exponential with jitter). */
  reconnect?: { initialMs?: number; maxMs?: number };
  /**
   * TLS (`mqtts://`): the CA certificate(s) the broker's certificate must chain to. Only these are
   * trusted, not the system store: a gateway talks to one district broker. Optional client certificate and key.
   */
  tls?: { ca: string | Buffer; cert?: string | Buffer; key?: string | Buffer };
  /** Called with each valid command addressed to this node. */
  onCommand?: (command: CmdPayload) => void;
  /** Called after each (re)connect, once state, birth and subscriptions are sent. */
  onConnected?: () => void;
}

/** A promise rejected by hand when the connection closes (Node 20 has no Promise.withResolvers). */
function closedSignal(): { promise: Promise<never>; reject: (reason: Error) => void } {
  let reject!: (reason: Error) => void;
  const promise = new Promise<never>((_, rejectPromise) => {
    reject = rejectPromise;
  });
  promise.catch(() => undefined);
  return { promise, reject };
}

export interface UplinkStats {
  published: number;
  acknowledged: number;
  badAcks: number;
  badCommands: number;
  connects: number;
}

/**
 * The gateway's MQTT session (DESIGN §3, §5): persistent session, retained `state` with an LWT, retained
 * `birth`, device availability, and the outbox drained in send order and deleted on the hub's `ack`.
 */
export class Uplink {
  readonly stats: UplinkStats = { published: 0, acknowledged: 0, badAcks: 0, badCommands: 0, connects: 0 };
  private readonly client: MqttClient;
  private draining = false;
  private drainAgain = false;
  private ackTimer: NodeJS.Timeout | undefined;
  private readonly availability = new Map<string, AvailabilityPayload>();
  private readonly node;
  private readonly ackTopic: string;
  private readonly cmdTopic: string;
  private readonly backoff: Backoff;
  private readonly limiter: RateLimiter;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private stopping = false;
  /** Settles when the current connection closes, so a batch in flight is abandoned rather than awaited. */
  private connectionClosed = closedSignal();

  constructor(private readonly options: UplinkOptions) {
    this.node = { site: options.site, node: options.node };
    this.ackTopic = buildTopic({ kind: 'ack', ...this.node });
    this.cmdTopic = buildTopic({ kind: 'cmd', ...this.node });
    // Full-width jitter (±50 %): after a district-wide outage, gateways must not reconnect in lockstep.
    this.backoff = new Backoff({ initialMs: 1000, maxMs: 60_000, jitter: 1, ...options.reconnect });
    this.limiter = new RateLimiter(options.maxPublishRate ?? 500);
    const { url, username, password, site, node, version, log } = options;
    const will = encodeMessage({ kind: 'state', ...this.node }, { v: 1, online: false, ts: Date.now(), version });
    // Made here so that a URL it cannot serve (ws://) is refused before anything starts. It never reconnects by
    // itself: reconnects are scheduled here, with backoff and jitter.
    this.client = new MqttClient({
      url,
      clientId: `${site}.${node}`,
      username,
      password,
      clean: false, // acks queued while we were away must still reach us
      connectTimeoutMs: 10_000,
      will: { topic: will.topic, payload: will.payload, qos: 1, retain: true },
      ...(options.tls ? { tls: { ...options.tls, rejectUnauthorized: true } } : {}),
    });
    this.client.on('connect', () => this.onConnect());
    this.client.on('close', () => this.scheduleReconnect());
    this.client.on('error', (error) => log.warn({ err: error.message }, 'mqtt error'));
    this.client.on('message', (topic, payload) => this.onMessage(topic, payload));
  }

  get connected(): boolean {
    return this.client.connected;
  }

  start(): void {
    this.client.connect();
    const ackTimeoutMs = this.options.ackTimeoutMs ?? 30_000;
    this.ackTimer = setInterval(() => {
      if (this.options.outbox.requeue(Date.now() - ackTimeoutMs) > 0) this.drain();
    }, ackTimeoutMs / 2);
    this.ackTimer.unref();
  }

  /** Publishes (and remembers, for reconnects) a device's retained availability. */
  setAvailability(device: string, online: boolean, reason?: string): void {
    const payload: AvailabilityPayload = { v: 1, online, ts: Date.now(), ...(reason ? { reason } : {}) };
    this.availability.set(device, payload);
    if (this.connected) this.publishAvailability(device, payload);
  }

  /** The last availability published for a device (for `lophoc-agent status`). */
  availabilityOf(device: string): AvailabilityPayload | undefined {
    return this.availability.get(device);
  }

  /** Health is a QoS 0 snapshot (DESIGN §3): losing one is harmless, so it skips the outbox. */
  publishHealth(payload: HealthPayload): void {
    if (!this.connected) return;
    const message = encodeMessage({ kind: 'health', ...this.node }, payload);
    this.send(message.topic, message.payload, { qos: 0 });
  }

  /**
   * Publishes a command result (QoS 1). Returns false when offline: the caller keeps the result and publishes it
   * again from `onConnected`; the ops-center matches results by command id, so a repeat is harmless.
   */
  publishCommandResult(result: CmdResultPayload): boolean {
    if (!this.connected) return false;
    const message = encodeMessage({ kind: 'cmd-result', ...this.node }, result);
    this.send(message.topic, message.payload, { qos: 1 });
    return true;
  }

  /** Asks for the outbox to be drained; cheap to call after every append. */
  drain(): void {
    if (!this.connected) return;
    if (this.draining) {
      this.drainAgain = true;
      return;
    }
    this.draining = true;
    void this.drainLoop().finally(() => {
      this.draining = false;
      if (this.drainAgain) {
        this.drainAgain = false;
        this.drain();
      }
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.ackTimer);
    clearTimeout(this.reconnectTimer);
    const client = this.client;
    if (client.connected) {
      const offline = encodeMessage(
        { kind: 'state', ...this.node },
        { v: 1, online: false, ts: Date.now(), version: this.options.version },
      );
      const published = client.publish(offline.topic, offline.payload, { qos: 1, retain: true }).catch(() => undefined);
      await Promise.race([published, new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
    }
    // Forced: a graceful end would wait for PUBACKs of batches abandoned on a lost connection, which never
    // come. Those records are still in the outbox and go out after the next start.
    await client.end(true);
  }

  private scheduleReconnect(): void {
    this.connectionClosed.reject(new Error('connection closed'));
    if (this.stopping || this.reconnectTimer) return;
    const delay = this.backoff.next();
    this.options.log.debug({ delay }, 'mqtt connection closed; reconnecting');
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (!this.stopping) this.client.connect();
    }, delay);
  }

  private onConnect(): void {
    const client = this.client;
    this.connectionClosed = closedSignal();
    this.backoff.reset();
    this.stats.connects++;
    this.options.log.info({ url: this.options.url }, 'connected to broker');
    this.options.outbox.requeue();
    const ts = Date.now();
    const state = encodeMessage({ kind: 'state', ...this.node }, { v: 1, online: true, ts, version: this.options.version });
    const birth = encodeMessage({ kind: 'birth', ...this.node }, this.options.birth());
    this.send(state.topic, state.payload, { qos: 1, retain: true });
    this.send(birth.topic, birth.payload, { qos: 1, retain: true });
    for (const [device, payload] of this.availability) this.publishAvailability(device, payload);
    client.subscribe([this.ackTopic, this.cmdTopic].map((topic) => ({ topic, qos: 1 as const }))).then(
      (granted) => {
        if (granted.includes(0x80)) this.options.log.error({ granted }, 'subscription refused');
      },
      (error: Error) => this.options.log.warn({ err: error.message }, 'subscription not acknowledged'),
    );
    this.drain();
    this.options.onConnected?.();
  }

  private publishAvailability(device: string, payload: AvailabilityPayload): void {
    const message = encodeMessage({ kind: 'availability', ...this.node, device }, payload);
    this.send(message.topic, message.payload, { qos: 1, retain: true });
  }

  /** Publishes without waiting: a message lost with its connection is published again on the next connect. */
  private send(topic: string, payload: string | Buffer, options: { qos: 0 | 1; retain?: boolean }): void {
    this.client.publish(topic, payload, options).catch((error: Error) => {
      this.options.log.debug({ topic, err: error.message }, 'publish not completed');
    });
  }

  private onMessage(topic: string, payload: Buffer): void {
    if (topic !== this.ackTopic && topic !== this.cmdTopic) return;
    let message: ReturnType<typeof decodeMessage>;
    try {
      message = decodeMessage(topic, payload);
    } catch (error) {
      if (topic === this.ackTopic) this.stats.badAcks++;
      else this.stats.badCommands++;
      this.options.log.warn({ topic, err: error instanceof ProtocolError ? error.message : String(error) }, 'ignored a malformed message');
      return;
    }
    if (message.kind === 'ack') this.stats.acknowledged += this.options.outbox.acknowledge(message.payload.ranges);
    else if (message.kind === 'cmd') this.options.onCommand?.(message.payload);
  }

  private async drainLoop(): Promise<void> {
    const batchSize = this.options.batchSize ?? 200;
    const window = this.options.inFlightWindow ?? 200;
    const perMessage = this.options.recordsPerMessage ?? 1;
    let inFlight = 0;
    let failed: Error | undefined;
    let wake: (() => void) | undefined;
    const settled = (error?: Error) => {
      inFlight--;
      if (error) failed ??= error;
      wake?.();
    };
    const closed = this.connectionClosed.promise;
    /** Waits until a publish completes; PUBACKs that never come (a broker that died) must not wedge the loop. */
    const progress = async () => {
      let timer: NodeJS.Timeout | undefined;
      const completed = new Promise<void>((resolve) => {
        wake = resolve;
      });
      const stalled = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('no PUBACK within 30 s')), 30_000);
      });
      await Promise.race([completed, stalled, closed]).finally(() => {
        clearTimeout(timer);
        wake = undefined;
      });
    };
    try {
      while (this.client.connected && !failed) {
        const records = this.options.outbox.takeUnsent(batchSize);
        if (records.length === 0) {
          // Records appended meanwhile are taken as soon as one PUBACK comes back.
          if (inFlight === 0) break;
          await progress();
          continue;
        }
        const wait = this.limiter.reserve(records.length);
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        for (const message of packMessages(records, perMessage)) {
          inFlight++;
          this.client.publish(message.topic, message.payload, { qos: 1 }).then(
            () => {
              this.stats.published += message.records;
              settled();
            },
            (error: Error) => settled(error),
          );
          while (inFlight >= window && !failed) await progress();
        }
      }
      if (failed) throw failed;
    } catch (error) {
      // Connection lost or PUBACKs stalled: the records stay in the outbox; they are requeued on reconnect or when
      // their ack is overdue.
      this.options.log.warn({ err: (error as Error).message }, 'publish interrupted');
    }
  }
}

/** Packed telemetry stays well under the protocol's 256 KiB payload limit (string length counts UTF-16 units). */
const PACK_BYTES = 64 * 1024;

interface PackedMessage {
  topic: string;
  payload: string;
  records: number;
}

/**
 * One message per record, except telemetry: records of the same device topic go out as JSON arrays of up to
 * `perMessage` records (DESIGN §3, "batches allowed: array"). Payloads are joined as stored, never parsed again.
 * Messages keep the order of each topic's first record; the hub stores by seq, so order across topics is free.
 */
export function packMessages(records: readonly OutboxRecord[], perMessage: number): PackedMessage[] {
  if (perMessage <= 1) return records.map((record) => ({ topic: record.topic, payload: record.payload, records: 1 }));
  const messages: { topic: string; payloads: string[]; bytes: number; packed: boolean }[] = [];
  const open = new Map<string, (typeof messages)[number]>();
  for (const record of records) {
    if (!record.topic.endsWith('/telemetry') || !record.payload.startsWith('{')) {
      messages.push({ topic: record.topic, payloads: [record.payload], bytes: 0, packed: false });
      continue;
    }
    let message = open.get(record.topic);
    if (!message || message.payloads.length >= perMessage || message.bytes + record.payload.length > PACK_BYTES) {
      message = { topic: record.topic, payloads: [], bytes: 2, packed: true };
      open.set(record.topic, message);
      messages.push(message);
    }
    message.payloads.push(record.payload);
    message.bytes += record.payload.length + 1;
  }
  return messages.map(({ topic, payloads, packed }) => ({
    topic,
    payload: packed && payloads.length > 1 ? `[${payloads.join(',')}]` : payloads[0]!,
    records: payloads.length,
  }));
}
