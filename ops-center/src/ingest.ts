import { EventEmitter } from 'node:events';
import { MqttClient } from '@lophoc/mqtt-client';
import { buildTopic, filters, type Message, mergeRanges, ProtocolError } from '@lophoc/protocol';
import type { Logger } from 'pino';
import { decodeIngested } from './ingest/decode.js';
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

const noop = () => {};
/** The protocol's bound on the ranges of one `ack` (payloads.ts `ackPayload`); more go in several messages. */
const MAX_ACK_RANGES = 10_000;
/** Reconnect delays after a lost or refused connection: 1 s, doubling up to 10 s, back to 1 s once connected. */
const RECONNECT_FIRST_MS = 1000;
const RECONNECT_MAX_MS = 10_000;

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
 * [MQTT-4.6.0-2] (`manualAcks` of @lophoc/mqtt-client). Until then the broker keeps the message in the persistent
 * session, so an ops-center killed before a commit gets it again when it reconnects.
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
  /**
   * Packet ids of the QoS 1 messages received since the last flush (malformed ones too), and their connection: the
   * broker gives ids out again on the next connection, so an id is only PUBACKed on the one it came on.
   */
  private pendingPubacks: number[] = [];
  private pendingConnection = 0;
  /** Counts connections; a PUBACK for an earlier one is not sent (the broker sends those messages again). */
  private connection = 0;
  private stopping = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private reconnectDelay = RECONNECT_FIRST_MS;
  /** Cancels the pending write of the batch being gathered. */
  private cancelFlush: (() => void) | undefined;
  /** `ack` topic names per `site/node`: built and checked once per node, not once per batch. */
  private readonly ackTopics = new Map<string, string>();
  /** Writes run one after another so acks and live updates keep arrival order. */
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly options: IngestOptions) {
    super();
  }

  /** Resolves once connected; rejects with a clear message if the broker cannot be reached within 10 s. */
  async start(): Promise<void> {
    const { url, username, password, clientId = 'lophoc-ops-center', log } = this.options;
    const client = new MqttClient({
      url,
      clientId,
      ...(username !== undefined ? { username } : {}),
      ...(password !== undefined ? { password } : {}),
      clean: false,
      connectTimeoutMs: 10_000,
      manualAcks: true,
    });
    this.client = client;
    client.on('message', (topic, payload, packet) => {
      this.receive(topic, payload, packet.qos === 1 ? packet.messageId : undefined);
    });
    client.on('error', (error) => log.warn({ err: error.message }, 'mqtt error'));
    client.on('connect', (connack) => {
      this.connection++;
      this.reconnectDelay = RECONNECT_FIRST_MS;
      log.info({ url, sessionPresent: connack.sessionPresent }, 'ingest connected');
      client.subscribe(SUBSCRIPTIONS.map((topic) => ({ topic, qos: 1 as const }))).then(
        (granted) => {
          const refused = SUBSCRIPTIONS.filter((_, i) => granted[i] === 0x80);
          if (refused.length) log.error({ refused }, 'ingest subscriptions refused');
        },
        (error: Error) => log.error({ err: error.message }, 'ingest subscriptions not made'),
      );
    });
    client.on('close', () => {
      this.connection++;
      if (this.stopping) return;
      const delay = this.reconnectDelay;
      this.reconnectDelay = Math.min(delay * 2, RECONNECT_MAX_MS);
      this.reconnectTimer = setTimeout(() => {
        this.reconnectTimer = undefined;
        if (!this.stopping) client.connect();
      }, delay);
    });
    client.connect();
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        client.off('connect', connected);
        reject(new Error(`ops-center: cannot reach the broker at ${url} within 10 s`));
      }, 10_000);
      const connected = () => {
        clearTimeout(timer);
        resolve();
      };
      client.once('connect', connected);
    }).catch(async (error) => {
      this.stopping = true;
      clearTimeout(this.reconnectTimer);
      await client.end(true);
      throw error;
    });
  }

  async stop(): Promise<void> {
    this.flush();
    await this.writing;
    this.stopping = true;
    clearTimeout(this.reconnectTimer);
    await this.client?.end();
  }

  /** True while the MQTT connection is up (commands are published through it). */
  get connected(): boolean {
    return this.client?.connected ?? false;
  }

  /** Publishes on the ops-center's own connection at QoS 1 (commands, DESIGN §3). */
  async publish(topic: string, payload: Buffer): Promise<void> {
    if (!this.client) throw new Error('ingest is not started');
    await this.client.publish(topic, payload, { qos: 1 });
  }

  /** Resolves when every message received so far is written (tests and benchmarks). */
  async drain(): Promise<void> {
    this.flush();
    await this.writing;
  }

  private receive(topic: string, payload: Buffer, packetId: number | undefined): void {
    // A batch's PUBACKs go to the connection its messages came on; one from before a reconnect is not continued.
    if (this.connection !== this.pendingConnection) {
      this.flush();
      this.pendingConnection = this.connection;
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
    const connection = this.pendingConnection;
    this.pending = [];
    this.pendingPubacks = [];
    this.writing = this.writing.then(async () => {
      let result: WriteResult | undefined;
      try {
        if (batch.length) result = await this.options.store.write(batch, Date.now());
      } catch (error) {
        // Neither PUBACKed nor acknowledged: closing the connection (the 'close' handler reconnects) makes the broker
        // send the session's unacknowledged messages again; nothing is lost.
        this.stats.writeErrors++;
        this.options.log.error({ err: (error as Error).message, messages: batch.length }, 'store write failed; not acknowledged');
        if (this.connection === connection) void this.client?.end(true);
        return;
      }
      this.puback(connection, pubacks);
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
  private puback(connection: number, packetIds: number[]): void {
    if (packetIds.length === 0 || connection !== this.connection || !this.client?.connected) return;
    this.client.ack(packetIds);
  }

  /**
   * Acks name seq ranges (DESIGN §3), sent only after the transaction that stored them committed. The payload is
   * built here rather than through `encodeMessage`: its zod check cost ~0.2 ms per ack (2026-11-29 profile), and
   * the parts are known valid — site and node come from a checked topic, ranges from `mergeRanges`.
   */
  private acknowledge(site: string, node: string, seqs: number[]): void {
    const key = `${site}/${node}`;
    let topic = this.ackTopics.get(key);
    if (topic === undefined) {
      topic = buildTopic({ kind: 'ack', site, node });
      if (this.ackTopics.size >= 50_000) this.ackTopics.clear();
      this.ackTopics.set(key, topic);
    }
    const ranges = mergeRanges(seqs);
    const ts = Date.now();
    for (let at = 0; at < ranges.length; at += MAX_ACK_RANGES) {
      const part = at === 0 && ranges.length <= MAX_ACK_RANGES ? ranges : ranges.slice(at, at + MAX_ACK_RANGES);
      const payload = Buffer.from(JSON.stringify({ v: 1, ts, ranges: part }), 'utf8');
      // Not sent when the connection is down: the node sends those records again and they are acknowledged then.
      this.client?.publish(topic, payload, { qos: 1 }).catch(noop);
      this.stats.acksSent++;
    }
  }
}
