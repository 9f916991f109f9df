import { EventEmitter } from 'node:events';
import { encodeMessage, filters, type Message, mergeRanges, ProtocolError } from '@lophoc/protocol';
import mqtt, { type IStream, type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { decodeIngested } from './ingest/decode.js';
import { pubackPackets } from './ingest/pubacks.js';
import type { LatestValue, Store, WriteResult } from './store/store.js';

export interface IngestOptions {
  url: string;
  username?: string;
  password?: string;
  clientId?: string;
  store: Store;
  log: Logger;
  /**
   * Messages are written in batches of at most this many (default 500). A batch is written once the messages that
   * have arrived so far are handled (the next turn of the event loop) or — with `batchDelayMs` — that long after
   * its first message, whichever comes first.
   */
  batchSize?: number;
  batchDelayMs?: number;
}

export interface IngestStats {
  received: number;
  stored: number;
  duplicates: number;
  malformed: number;
  acksSent: number;
  batches: number;
  writeErrors: number;
  /** Counts of refusals by ProtocolError code, for /metrics and the console. */
  malformedByCode: Record<string, number>;
}

/** Passed to MQTT.js's `handleMessage` callback so that it does not PUBACK: the ingest does, after the commit. */
const PUBACK_AFTER_COMMIT = new Error('PUBACK is sent by the ingest after the commit');
const noop = () => {};

const SUBSCRIPTIONS = [
  filters.deviceKind('telemetry'),
  filters.deviceKind('event'),
  filters.deviceKind('availability'),
  filters.nodeKind('state'),
  filters.nodeKind('birth'),
  filters.nodeKind('health'),
  filters.cmdResults,
  filters.outbox,
];

/**
 * The ops-center's single MQTT reader (DESIGN §3, §5): persistent session at QoS 1, records stored once on
 * `(node, seq)` in batched transactions, then an `ack` of the stored seq ranges to each node. Malformed
 * messages are counted and skipped; they never stop the stream.
 *
 * The MQTT PUBACK of each QoS 1 message is written only after the transaction holding it committed (malformed
 * ones with the batch they arrived in), all of a batch's PUBACKs in one socket write, in arrival order
 * [MQTT-4.6.0-2]. Until then the broker keeps the message in the persistent session, so a ops-center killed
 * before a commit gets it again when it reconnects; MQTT.js alone would PUBACK on receipt.
 */
export class Ingest extends EventEmitter<{ latest: [LatestValue[]]; written: [WriteResult] }> {
  readonly stats: IngestStats = {
    received: 0,
    stored: 0,
    duplicates: 0,
    malformed: 0,
    acksSent: 0,
    batches: 0,
    writeErrors: 0,
    malformedByCode: {},
  };
  private client: MqttClient | undefined;
  private pending: Message[] = [];
  /** Packet ids of the QoS 1 messages received since the last flush (malformed ones too), and their connection. */
  private pendingPubacks: number[] = [];
  private pendingStream: IStream | undefined;
  /** Cancels the pending write of the batch being gathered. */
  private cancelFlush: (() => void) | undefined;
  /** Writes run one after another so acks and live updates keep arrival order. */
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly options: IngestOptions) {
    super();
  }

  /** Resolves once connected and subscribed; rejects with a clear message if the broker cannot be reached. */
  async start(): Promise<void> {
    const { url, username, password, clientId = 'lophoc-ops-center', log } = this.options;
    const client = mqtt.connect(url, {
      clientId,
      username,
      password,
      clean: false,
      reconnectPeriod: 1000,
      connectTimeout: 10_000,
      log: noop, // MQTT.js's debug logging costs ~3 µs per received message even when disabled
    });
    this.client = client;
    // MQTT.js hands each message here once at a time and PUBACKs it when called back without an error.
    client.handleMessage = (packet, callback) => {
      const deferred = packet.qos === 1 && packet.messageId !== undefined;
      this.receive(packet.topic, packet.payload as Buffer, deferred ? packet.messageId : undefined, client.stream);
      callback(deferred ? PUBACK_AFTER_COMMIT : undefined);
    };
    client.on('error', (error) => log.warn({ err: error.message }, 'mqtt error'));
    client.on('connect', (connack) => {
      log.info({ url, sessionPresent: connack.sessionPresent }, 'ingest connected');
      client.subscribe(SUBSCRIPTIONS, { qos: 1 }, (error, granted) => {
        const refused = granted?.filter((grant) => grant.qos === 128).map((grant) => grant.topic) ?? [];
        if (error || refused.length) log.error({ err: error?.message, refused }, 'ingest subscriptions refused');
      });
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`ops-center: cannot reach the broker at ${url} within 10 s`)), 10_000);
      client.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
    }).catch(async (error) => {
      await client.endAsync(true);
      throw error;
    });
  }

  async stop(): Promise<void> {
    this.flush();
    await this.writing;
    await this.client?.endAsync();
  }

  /** True while the MQTT connection is up (commands are published through it). */
  get connected(): boolean {
    return this.client?.connected ?? false;
  }

  /** Publishes on the ops-center's own connection at QoS 1 (commands, DESIGN §3). */
  async publish(topic: string, payload: Buffer): Promise<void> {
    if (!this.client) throw new Error('ingest is not started');
    await this.client.publishAsync(topic, payload, { qos: 1 });
  }

  /** Resolves when every message received so far is written (tests and benchmarks). */
  async drain(): Promise<void> {
    this.flush();
    await this.writing;
  }

  private receive(topic: string, payload: Buffer, packetId: number | undefined, stream: IStream): void {
    // A batch's PUBACKs go to the connection its messages came on; one from before a reconnect is not continued.
    if (stream !== this.pendingStream) {
      this.flush();
      this.pendingStream = stream;
    }
    if (packetId !== undefined) this.pendingPubacks.push(packetId);
    this.stats.received++;
    try {
      this.pending.push(decodeIngested(topic, payload));
    } catch (error) {
      const code = error instanceof ProtocolError ? error.code : 'error';
      this.stats.malformed++;
      this.stats.malformedByCode[code] = (this.stats.malformedByCode[code] ?? 0) + 1;
      this.options.log.warn({ err: (error as Error).message }, 'skipped a malformed message');
    }
    if (this.pending.length >= (this.options.batchSize ?? 500)) this.flush();
    else if (!this.cancelFlush) {
      // Under load a turn brings hundreds of messages; when the ingest has time, smaller batches PUBACK sooner, and
      // fewer messages in flight cost the broker less (aedes' in-memory session searches them per delivery).
      const delay = this.options.batchDelayMs;
      if (delay) {
        const timer = setTimeout(this.flushLater, delay);
        this.cancelFlush = () => clearTimeout(timer);
      } else {
        const immediate = setImmediate(this.flushLater);
        this.cancelFlush = () => clearImmediate(immediate);
      }
    }
  }

  private readonly flushLater = () => {
    this.cancelFlush = undefined;
    this.flush();
  };

  private flush(): void {
    this.cancelFlush?.();
    this.cancelFlush = undefined;
    if (this.pending.length === 0 && this.pendingPubacks.length === 0) return;
    const batch = this.pending;
    const pubacks = this.pendingPubacks;
    const stream = this.pendingStream;
    this.pending = [];
    this.pendingPubacks = [];
    this.writing = this.writing.then(async () => {
      let result: WriteResult | undefined;
      try {
        if (batch.length) result = await this.options.store.write(batch, Date.now());
      } catch (error) {
        // Neither PUBACKed nor acknowledged: closing the connection makes the broker send the session's
        // unacknowledged messages again once the ingest reconnects; nothing is lost.
        this.stats.writeErrors++;
        this.options.log.error({ err: (error as Error).message, messages: batch.length }, 'store write failed; not acknowledged');
        if (stream && this.client?.stream === stream) stream.destroy();
        return;
      }
      this.puback(stream, pubacks);
      if (!result) return;
      this.stats.stored += result.stored;
      this.stats.duplicates += result.duplicates;
      this.stats.batches++;
      try {
        for (const { site, node, seqs } of result.durable.values()) this.acknowledge(site, node, seqs);
        if (result.latest.length) this.emit('latest', result.latest);
        this.emit('written', result);
      } catch (error) {
        this.options.log.error({ err: (error as Error).message }, 'after storing a batch');
      }
    });
  }

  /** PUBACKs after the commit; on a connection closed since, the broker sends the messages again (stored once). */
  private puback(stream: IStream | undefined, packetIds: number[]): void {
    if (packetIds.length === 0 || !stream || this.client?.stream !== stream || !this.client.connected || stream.destroyed) return;
    stream.write(pubackPackets(packetIds));
  }

  /** Acks name seq ranges (DESIGN §3), sent only after the transaction that stored them committed. */
  private acknowledge(site: string, node: string, seqs: number[]): void {
    const message = encodeMessage({ kind: 'ack', site, node }, { v: 1, ts: Date.now(), ranges: mergeRanges(seqs) });
    this.client?.publish(message.topic, message.payload, { qos: 1 });
    this.stats.acksSent++;
  }
}
