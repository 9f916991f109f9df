import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import { deserialize, serialize } from 'node:v8';
import Database from 'better-sqlite3';
import { QlobberTrue } from 'qlobber';
import QlobberSub from 'qlobber/aedes/qlobber-sub.js';

/** The parts of an aedes client and broker a persistence sees. */
interface ClientRef {
  id: string;
}
interface BrokerRef {
  id: string;
}
export interface StoredSubscription {
  topic: string;
  qos: number;
  rh?: number;
  rap?: boolean;
  nl?: boolean;
  subscriptionIdentifier?: number;
}
type PacketLike = Record<string, unknown> & {
  topic: string;
  payload?: Buffer | string;
  messageId?: number;
  brokerId?: string;
  brokerCounter?: number;
};
interface TrieEntry {
  clientId: string;
  topic: string;
  qos: number;
  rh?: number;
  rap?: boolean;
  nl?: boolean;
}

/** aedes-packet's own constructor: what aedes stores and compares (its bundled types describe it wrongly). */
const Packet = createRequire(import.meta.url)('aedes-packet') as new (original: object) => PacketLike;

const QLOBBER_OPTIONS = { wildcard_one: '+', wildcard_some: '#', separator: '/' };

const SCHEMA = `
CREATE TABLE IF NOT EXISTS retained (topic TEXT PRIMARY KEY, packet BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS subscriptions (
  client_id TEXT NOT NULL, topic TEXT NOT NULL, qos INTEGER NOT NULL, options BLOB NOT NULL, PRIMARY KEY (client_id, topic)
);
CREATE TABLE IF NOT EXISTS outgoing (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, client_id TEXT NOT NULL, broker_id TEXT, broker_counter INTEGER,
  message_id INTEGER, packet BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS outgoing_by_client ON outgoing (client_id, seq);
CREATE TABLE IF NOT EXISTS incoming (client_id TEXT NOT NULL, message_id INTEGER NOT NULL, packet BLOB NOT NULL, PRIMARY KEY (client_id, message_id));
CREATE TABLE IF NOT EXISTS wills (client_id TEXT PRIMARY KEY, broker_id TEXT NOT NULL, packet BLOB NOT NULL);
`;

/** v8 serialisation keeps Buffers as Buffers and drops class identity, which the abstract suite expects. */
const pack = (value: object): Buffer => serialize({ ...value });
const unpack = <T>(blob: Buffer): T => deserialize(blob) as T;
const toPacket = (blob: Buffer): PacketLike => Object.assign(new Packet({ topic: '' }), unpack<PacketLike>(blob));

/**
 * A durable aedes persistence on one SQLite file (WAL): retained messages, offline subscriptions, QoS 1/2
 * queues, QoS 2 incoming state and wills survive a restart. The topic → subscriber trie lives in memory,
 * rebuilt from the file in `setup()`, as aedes-persistence-redis does. Passes aedes-persistence's
 * abstract suite (broker/test/persistence-abstract.cjs).
 */
export class SqlitePersistence {
  private readonly db: Database.Database;
  private readonly trie = new QlobberSub(QLOBBER_OPTIONS);
  private brokerRef: BrokerRef | undefined;
  private destroyed = false;

  constructor(options: { file: string }) {
    this.db = new Database(options.file);
    this.db.pragma('journal_mode = WAL');
    // NORMAL in WAL mode: a power cut can lose the last transactions but never corrupts the file.
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(SCHEMA);
  }

  get broker(): BrokerRef | undefined {
    return this.brokerRef;
  }

  async setup(broker: BrokerRef): Promise<void> {
    this.brokerRef = broker;
    for (const row of this.db.prepare('SELECT client_id, topic, qos, options FROM subscriptions WHERE qos > 0').all() as {
      client_id: string;
      topic: string;
      qos: number;
      options: Buffer;
    }[]) {
      const options = unpack<StoredSubscription>(row.options);
      this.trie.add(row.topic, {
        clientId: row.client_id,
        topic: row.topic,
        qos: row.qos,
        rh: options.rh,
        rap: options.rap,
        nl: options.nl,
      });
    }
  }

  async storeRetained(packet: PacketLike): Promise<void> {
    const payload = packet.payload ?? Buffer.alloc(0);
    if (payload.length === 0) this.db.prepare('DELETE FROM retained WHERE topic = ?').run(packet.topic);
    else this.db.prepare('INSERT OR REPLACE INTO retained (topic, packet) VALUES (?, ?)').run(packet.topic, pack(packet));
  }

  private *retainedMatching(patterns: string[]): Generator<PacketLike> {
    const rows = this.db.prepare('SELECT topic, packet FROM retained ORDER BY rowid').all() as { topic: string; packet: Buffer }[];
    for (const pattern of patterns) {
      const matcher = new QlobberTrue(QLOBBER_OPTIONS);
      matcher.add(pattern);
      for (const row of rows) if (matcher.test(row.topic)) yield unpack<PacketLike>(row.packet);
    }
  }

  createRetainedStreamCombi(patterns: string[]): Readable {
    return Readable.from(this.retainedMatching(patterns));
  }

  createRetainedStream(pattern: string): Readable {
    return Readable.from(this.retainedMatching([pattern]));
  }

  async addSubscriptions(client: ClientRef, subs: StoredSubscription[]): Promise<void> {
    const previousQos = this.db.prepare('SELECT qos FROM subscriptions WHERE client_id = ? AND topic = ?');
    const upsert = this.db.prepare('INSERT OR REPLACE INTO subscriptions (client_id, topic, qos, options) VALUES (?, ?, ?, ?)');
    this.db.transaction(() => {
      for (const sub of subs) {
        const before = previousQos.get(client.id, sub.topic) as { qos: number } | undefined;
        const record: StoredSubscription = { topic: sub.topic, qos: sub.qos, rh: sub.rh, rap: sub.rap, nl: sub.nl };
        if (sub.subscriptionIdentifier !== undefined) record.subscriptionIdentifier = sub.subscriptionIdentifier;
        upsert.run(client.id, sub.topic, sub.qos, pack(record));
        // Only QoS > 0 subscriptions are matched offline (QoS 0 is never queued), as in the memory persistence.
        if (sub.qos > 0)
          this.trie.add(sub.topic, { clientId: client.id, topic: sub.topic, qos: sub.qos, rh: sub.rh, rap: sub.rap, nl: sub.nl });
        else if (before && before.qos > 0) this.trie.remove(sub.topic, { clientId: client.id, topic: sub.topic });
      }
    })();
  }

  async removeSubscriptions(client: ClientRef, topics: string[]): Promise<void> {
    const find = this.db.prepare('SELECT qos FROM subscriptions WHERE client_id = ? AND topic = ?');
    const remove = this.db.prepare('DELETE FROM subscriptions WHERE client_id = ? AND topic = ?');
    this.db.transaction(() => {
      for (const topic of topics) {
        const stored = find.get(client.id, topic) as { qos: number } | undefined;
        if (!stored) continue;
        if (stored.qos > 0) this.trie.remove(topic, { clientId: client.id, topic });
        remove.run(client.id, topic);
      }
    })();
  }

  async subscriptionsByClient(client: ClientRef): Promise<StoredSubscription[]> {
    const rows = this.db.prepare('SELECT options FROM subscriptions WHERE client_id = ? ORDER BY rowid').all(client.id) as {
      options: Buffer;
    }[];
    return rows.map((row) => {
      const { topic, qos, rh, rap, nl, subscriptionIdentifier } = unpack<StoredSubscription>(row.options);
      const sub: StoredSubscription = { topic, qos, rh, rap, nl };
      if (subscriptionIdentifier !== undefined) sub.subscriptionIdentifier = subscriptionIdentifier;
      return sub;
    });
  }

  async countOffline(): Promise<{ subsCount: number; clientsCount: number }> {
    const { clients } = this.db.prepare('SELECT COUNT(DISTINCT client_id) AS clients FROM subscriptions').get() as { clients: number };
    return { subsCount: this.trie.subscriptionsCount, clientsCount: clients };
  }

  async subscriptionsByTopic(topic: string): Promise<TrieEntry[]> {
    return this.trie.match(topic) as TrieEntry[];
  }

  async cleanSubscriptions(client: ClientRef): Promise<void> {
    const rows = this.db.prepare('SELECT topic, qos FROM subscriptions WHERE client_id = ?').all(client.id) as {
      topic: string;
      qos: number;
    }[];
    for (const row of rows) if (row.qos > 0) this.trie.remove(row.topic, { clientId: client.id, topic: row.topic });
    this.db.prepare('DELETE FROM subscriptions WHERE client_id = ?').run(client.id);
  }

  async outgoingEnqueue(sub: { clientId: string }, packet: PacketLike): Promise<void> {
    await this.outgoingEnqueueCombi([sub], packet);
  }

  async outgoingEnqueueCombi(subs: { clientId: string }[], packet: PacketLike): Promise<void> {
    const insert = this.db.prepare(
      'INSERT INTO outgoing (client_id, broker_id, broker_counter, message_id, packet) VALUES (?, ?, ?, NULL, ?)',
    );
    const queued = new Packet(packet);
    const blob = pack(queued);
    this.db.transaction(() => {
      for (const sub of subs) insert.run(sub.clientId, queued.brokerId ?? null, queued.brokerCounter ?? null, blob);
    })();
  }

  /** Records the message id given to a queued packet (same broker and counter), or replaces one from another broker with that id. */
  async outgoingUpdate(client: ClientRef, packet: PacketLike): Promise<void> {
    const rows = this.db
      .prepare('SELECT seq, broker_id, broker_counter, message_id, packet FROM outgoing WHERE client_id = ? ORDER BY seq')
      .all(client.id) as {
      seq: number;
      broker_id: string | null;
      broker_counter: number | null;
      message_id: number | null;
      packet: Buffer;
    }[];
    for (const row of rows) {
      if (row.broker_id === (packet.brokerId ?? null)) {
        if (row.broker_counter === (packet.brokerCounter ?? null)) {
          const stored = unpack<PacketLike>(row.packet);
          stored.messageId = packet.messageId;
          this.db
            .prepare('UPDATE outgoing SET message_id = ?, packet = ? WHERE seq = ?')
            .run(packet.messageId ?? null, pack(stored), row.seq);
          return;
        }
        // Message ids wrap at 65535: same id with another counter is a different packet, keep looking.
      } else if (row.message_id === (packet.messageId ?? null)) {
        this.db
          .prepare('UPDATE outgoing SET broker_id = ?, broker_counter = ?, packet = ? WHERE seq = ?')
          .run(packet.brokerId ?? null, packet.brokerCounter ?? null, pack(packet), row.seq);
        return;
      }
    }
    throw new Error('no such packet');
  }

  async outgoingClearMessageId(client: ClientRef, packet: { messageId?: number }): Promise<PacketLike | undefined> {
    const row = this.db
      .prepare('SELECT seq, packet FROM outgoing WHERE client_id = ? AND message_id = ? ORDER BY seq LIMIT 1')
      .get(client.id, packet.messageId ?? null) as { seq: number; packet: Buffer } | undefined;
    if (!row) return undefined;
    this.db.prepare('DELETE FROM outgoing WHERE seq = ?').run(row.seq);
    return unpack<PacketLike>(row.packet);
  }

  outgoingStream(client: ClientRef): Readable {
    const rows = this.db.prepare('SELECT packet FROM outgoing WHERE client_id = ? ORDER BY seq').all(client.id) as { packet: Buffer }[];
    return Readable.from(rows.map((row) => unpack<PacketLike>(row.packet)));
  }

  async incomingStorePacket(client: ClientRef, packet: PacketLike): Promise<void> {
    const stored = new Packet(packet);
    stored.messageId = packet.messageId;
    this.db
      .prepare('INSERT OR REPLACE INTO incoming (client_id, message_id, packet) VALUES (?, ?, ?)')
      .run(client.id, packet.messageId, pack(stored));
  }

  async incomingGetPacket(client: ClientRef, packet: { messageId?: number }): Promise<PacketLike> {
    const row = this.db.prepare('SELECT packet FROM incoming WHERE client_id = ? AND message_id = ?').get(client.id, packet.messageId) as
      | { packet: Buffer }
      | undefined;
    if (!row) throw new Error('no such packet');
    return toPacket(row.packet);
  }

  async incomingDelPacket(client: ClientRef, packet: { messageId?: number }): Promise<void> {
    const result = this.db.prepare('DELETE FROM incoming WHERE client_id = ? AND message_id = ?').run(client.id, packet.messageId);
    if (result.changes === 0) throw new Error('no such packet');
  }

  /** [MQTT-3.1.2-6]: a clean session also forgets the QoS 2 packets awaiting PUBREL. */
  async cleanIncoming(client: ClientRef): Promise<void> {
    this.db.prepare('DELETE FROM incoming WHERE client_id = ?').run(client.id);
  }

  async putWill(client: ClientRef, packet: PacketLike): Promise<void> {
    packet.brokerId = this.brokerRef?.id;
    packet.clientId = client.id;
    this.db
      .prepare('INSERT OR REPLACE INTO wills (client_id, broker_id, packet) VALUES (?, ?, ?)')
      .run(client.id, packet.brokerId ?? '', pack(packet));
  }

  async getWill(client: ClientRef): Promise<PacketLike | undefined> {
    const row = this.db.prepare('SELECT packet FROM wills WHERE client_id = ?').get(client.id) as { packet: Buffer } | undefined;
    return row ? unpack<PacketLike>(row.packet) : undefined;
  }

  async delWill(client: ClientRef): Promise<PacketLike | undefined> {
    const will = await this.getWill(client);
    this.db.prepare('DELETE FROM wills WHERE client_id = ?').run(client.id);
    return will;
  }

  streamWill(brokers: Record<string, unknown> = {}): Readable {
    const rows = this.db.prepare('SELECT broker_id, packet FROM wills').all() as { broker_id: string; packet: Buffer }[];
    return Readable.from(rows.filter((row) => !brokers[row.broker_id]).map((row) => unpack<PacketLike>(row.packet)));
  }

  getClientList(topic: string): Readable {
    const rows = this.db.prepare('SELECT client_id FROM subscriptions WHERE topic = ? ORDER BY rowid').all(topic) as {
      client_id: string;
    }[];
    return Readable.from(rows.map((row) => row.client_id));
  }

  async destroy(): Promise<void> {
    if (this.destroyed) throw new Error('destroyed called twice!');
    this.destroyed = true;
    this.db.close();
  }
}
