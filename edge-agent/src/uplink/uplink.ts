import {
  type AvailabilityPayload,
  type BirthPayload,
  buildTopic,
  decodeMessage,
  encodeMessage,
  type HealthPayload,
  ProtocolError,
} from '@lophoc/protocol';
import mqtt, { type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import type { Outbox } from './outbox.js';

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
  /** Records published per round while draining the outbox. */
  batchSize?: number;
}

export interface UplinkStats {
  published: number;
  acknowledged: number;
  badAcks: number;
  connects: number;
}

/**
 * The gateway's MQTT session (DESIGN §3, §5): persistent session, retained `state` with an LWT, retained
 * `birth`, device availability, and the outbox drained in send order and deleted on the hub's `ack`.
 */
export class Uplink {
  readonly stats: UplinkStats = { published: 0, acknowledged: 0, badAcks: 0, connects: 0 };
  private client: MqttClient | undefined;
  private draining = false;
  private drainAgain = false;
  private ackTimer: NodeJS.Timeout | undefined;
  private readonly availability = new Map<string, AvailabilityPayload>();
  private readonly node;
  private readonly ackTopic: string;

  constructor(private readonly options: UplinkOptions) {
    this.node = { site: options.site, node: options.node };
    this.ackTopic = buildTopic({ kind: 'ack', ...this.node });
  }

  get connected(): boolean {
    return this.client?.connected ?? false;
  }

  start(): void {
    const { url, username, password, site, node, version, log } = this.options;
    const will = encodeMessage({ kind: 'state', ...this.node }, { v: 1, online: false, ts: Date.now(), version });
    this.client = mqtt.connect(url, {
      clientId: `${site}.${node}`,
      username,
      password,
      clean: false, // acks queued while we were away must still reach us
      reconnectPeriod: 1000,
      connectTimeout: 10_000,
      will: { topic: will.topic, payload: will.payload, qos: 1, retain: true },
    });
    this.client.on('connect', () => this.onConnect());
    this.client.on('close', () => log.debug('mqtt connection closed'));
    this.client.on('error', (error) => log.warn({ err: error.message }, 'mqtt error'));
    this.client.on('message', (topic, payload) => this.onMessage(topic, payload));
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

  /** Health is a QoS 0 snapshot (DESIGN §3): losing one is harmless, so it skips the outbox. */
  publishHealth(payload: HealthPayload): void {
    if (!this.connected) return;
    const message = encodeMessage({ kind: 'health', ...this.node }, payload);
    this.client!.publish(message.topic, message.payload, { qos: 0 });
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
    clearInterval(this.ackTimer);
    const client = this.client;
    if (!client) return;
    if (client.connected) {
      const offline = encodeMessage(
        { kind: 'state', ...this.node },
        { v: 1, online: false, ts: Date.now(), version: this.options.version },
      );
      await client.publishAsync(offline.topic, offline.payload, { qos: 1, retain: true }).catch(() => undefined);
    }
    await client.endAsync();
  }

  private onConnect(): void {
    const client = this.client!;
    this.stats.connects++;
    this.options.log.info({ url: this.options.url }, 'connected to broker');
    this.options.outbox.requeue();
    const ts = Date.now();
    const state = encodeMessage({ kind: 'state', ...this.node }, { v: 1, online: true, ts, version: this.options.version });
    const birth = encodeMessage({ kind: 'birth', ...this.node }, this.options.birth());
    client.publish(state.topic, state.payload, { qos: 1, retain: true });
    client.publish(birth.topic, birth.payload, { qos: 1, retain: true });
    for (const [device, payload] of this.availability) this.publishAvailability(device, payload);
    client.subscribe([this.ackTopic, buildTopic({ kind: 'cmd', ...this.node })], { qos: 1 }, (error) => {
      if (error) this.options.log.error({ err: error.message }, 'subscription refused');
    });
    this.drain();
  }

  private publishAvailability(device: string, payload: AvailabilityPayload): void {
    const message = encodeMessage({ kind: 'availability', ...this.node, device }, payload);
    this.client?.publish(message.topic, message.payload, { qos: 1, retain: true });
  }

  private onMessage(topic: string, payload: Buffer): void {
    if (topic !== this.ackTopic) return; // commands arrive with the command issue
    try {
      const message = decodeMessage(topic, payload);
      if (message.kind !== 'ack') return;
      this.stats.acknowledged += this.options.outbox.acknowledge(message.payload.ranges);
    } catch (error) {
      this.stats.badAcks++;
      this.options.log.warn({ err: error instanceof ProtocolError ? error.message : String(error) }, 'ignored a malformed ack');
    }
  }

  private async drainLoop(): Promise<void> {
    const batchSize = this.options.batchSize ?? 200;
    while (this.client?.connected) {
      const records = this.options.outbox.takeUnsent(batchSize);
      if (records.length === 0) return;
      try {
        await Promise.all(records.map((record) => this.client!.publishAsync(record.topic, record.payload, { qos: 1 })));
        this.stats.published += records.length;
      } catch (error) {
        // Connection lost mid-batch: the records stay in the outbox and are requeued on reconnect.
        this.options.log.warn({ err: (error as Error).message }, 'publish interrupted');
        return;
      }
    }
  }
}
