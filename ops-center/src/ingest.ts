import { EventEmitter } from 'node:events';
import { decodeMessage, encodeMessage, filters, type Message, mergeRanges, ProtocolError } from '@lophoc/protocol';
import mqtt, { type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import type { LatestValue, Store, WriteResult } from './store/store.js';

export interface IngestOptions {
  url: string;
  username?: string;
  password?: string;
  clientId?: string;
  store: Store;
  log: Logger;
  /** Messages are written in batches of at most this many, or after `batchDelayMs`, whichever is first. */
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
  private flushTimer: NodeJS.Timeout | undefined;
  /** Writes run one after another so acks and live updates keep arrival order. */
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly options: IngestOptions) {
    super();
  }

  /** Resolves once connected and subscribed; rejects with a clear message if the broker cannot be reached. */
  async start(): Promise<void> {
    const { url, username, password, clientId = 'lophoc-ops-center', log } = this.options;
    const client = mqtt.connect(url, { clientId, username, password, clean: false, reconnectPeriod: 1000, connectTimeout: 10_000 });
    this.client = client;
    client.on('message', (topic, payload) => this.receive(topic, payload));
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
    clearTimeout(this.flushTimer);
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

  private receive(topic: string, payload: Buffer): void {
    this.stats.received++;
    try {
      this.pending.push(decodeMessage(topic, payload));
    } catch (error) {
      const code = error instanceof ProtocolError ? error.code : 'error';
      this.stats.malformed++;
      this.stats.malformedByCode[code] = (this.stats.malformedByCode[code] ?? 0) + 1;
      this.options.log.warn({ err: (error as Error).message }, 'skipped a malformed message');
      return;
    }
    if (this.pending.length >= (this.options.batchSize ?? 500)) this.flush();
    else this.flushTimer ??= setTimeout(() => this.flush(), this.options.batchDelayMs ?? 20);
  }

  private flush(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    this.writing = this.writing.then(async () => {
      try {
        const result = await this.options.store.write(batch, Date.now());
        this.stats.stored += result.stored;
        this.stats.duplicates += result.duplicates;
        this.stats.batches++;
        for (const { site, node, seqs } of result.durable.values()) this.acknowledge(site, node, seqs);
        if (result.latest.length) this.emit('latest', result.latest);
        this.emit('written', result);
      } catch (error) {
        // Nothing is acknowledged, so every node sends the batch again; nothing is lost.
        this.stats.writeErrors++;
        this.options.log.error({ err: (error as Error).message, messages: batch.length }, 'store write failed; not acknowledged');
      }
    });
  }

  /** Acks name seq ranges (DESIGN §3), sent only after the transaction that stored them committed. */
  private acknowledge(site: string, node: string, seqs: number[]): void {
    const message = encodeMessage({ kind: 'ack', site, node }, { v: 1, ts: Date.now(), ranges: mergeRanges(seqs) });
    this.client?.publish(message.topic, message.payload, { qos: 1 });
    this.stats.acksSent++;
  }
}
