import type { Aedes, AedesPublishPacket } from 'aedes';
import Database from 'better-sqlite3';
import mqtt, { type MqttClient } from 'mqtt';
import type { Logger } from 'pino';

export interface CityUplinkOptions {
  /** The district broker whose messages are forwarded. */
  aedes: Aedes;
  /** The city's broker and this district's credentials there. */
  upstream: { url: string; username?: string; password?: string; clientId: string; ca?: string; reconnectPeriodMs?: number };
  /** Local topic filters to forward, e.g. `lophoc/v1/+/+/state`, `lophoc/v1/+/+/+/availability`. */
  patterns: string[];
  /** Prepended to each topic upstream, e.g. `district/quan-5/`, so districts do not collide. */
  topicPrefix?: string;
  /** SQLite file holding messages while the city is unreachable. */
  bufferFile: string;
  /** Oldest messages are dropped (and counted) beyond this many. */
  maxBuffered?: number;
  log: Logger;
}

export interface CityUplink {
  /** Messages waiting for the city broker. */
  buffered(): number;
  /** Messages dropped because the buffer was full. */
  dropped(): number;
  stop(): Promise<void>;
}

/**
 * Bridges selected district topics to the city's MQTT broker (the plan connects the district operations center
 * to the city's). Every matching message is first written to a SQLite buffer, then sent at QoS 1 in order and
 * deleted on PUBACK, so an unreachable city costs nothing but disk, up to `maxBuffered`.
 */
export async function startCityUplink(options: CityUplinkOptions): Promise<CityUplink> {
  const { aedes, upstream, patterns, log, topicPrefix = '', maxBuffered = 100_000 } = options;
  if (patterns.length === 0) throw new TypeError('cityUplink.patterns: give at least one topic filter to forward');
  const db = new Database(options.bufferFile);
  db.pragma('journal_mode = WAL');
  db.exec(
    'CREATE TABLE IF NOT EXISTS buffer (id INTEGER PRIMARY KEY AUTOINCREMENT, topic TEXT NOT NULL, payload BLOB NOT NULL, retain INTEGER NOT NULL)',
  );
  const insert = db.prepare('INSERT INTO buffer (topic, payload, retain) VALUES (?, ?, ?)');
  const count = db.prepare('SELECT COUNT(*) AS n FROM buffer');
  const dropOldest = db.prepare('DELETE FROM buffer WHERE id IN (SELECT id FROM buffer ORDER BY id LIMIT ?)');
  const nextBatch = db.prepare('SELECT id, topic, payload, retain FROM buffer WHERE id > ? ORDER BY id LIMIT 100');
  const remove = db.prepare('DELETE FROM buffer WHERE id = ?');
  let dropped = 0;
  let stopped = false;

  const client: MqttClient = mqtt.connect(upstream.url, {
    clientId: upstream.clientId,
    username: upstream.username,
    password: upstream.password,
    ca: upstream.ca,
    clean: true,
    protocolVersion: 4,
    reconnectPeriod: upstream.reconnectPeriodMs ?? 2000,
    connectTimeout: 10_000,
    // Buffering is ours (durable); MQTT.js must not keep its own in-memory copy while offline.
    queueQoSZero: false,
  });
  client.on('connect', () => {
    log.info({ url: upstream.url }, 'city uplink connected');
    void drain();
  });
  client.on('error', (error) => log.warn({ err: error.message }, 'city uplink error'));
  client.on('close', () => log.debug('city uplink disconnected'));

  let draining = false;
  async function drain(): Promise<void> {
    if (draining || stopped) return;
    draining = true;
    try {
      let after = 0;
      while (client.connected && !stopped) {
        const rows = nextBatch.all(after) as { id: number; topic: string; payload: Buffer; retain: number }[];
        if (rows.length === 0) break;
        for (const row of rows) {
          if (!client.connected || stopped) return;
          await client.publishAsync(`${topicPrefix}${row.topic}`, row.payload, { qos: 1, retain: row.retain === 1 });
          remove.run(row.id);
          after = row.id;
        }
      }
    } catch (error) {
      log.debug({ err: (error as Error).message }, 'city uplink send interrupted; will resume on reconnect');
    } finally {
      draining = false;
    }
  }

  const forward = (packet: AedesPublishPacket, callback: () => void) => {
    if (!stopped) {
      insert.run(packet.topic, Buffer.from(packet.payload), packet.retain ? 1 : 0);
      const { n } = count.get() as { n: number };
      if (n > maxBuffered) {
        dropOldest.run(n - maxBuffered);
        dropped += n - maxBuffered;
        log.warn({ dropped, maxBuffered }, 'city uplink buffer full: oldest messages dropped');
      }
      void drain();
    }
    callback();
  };
  await Promise.all(patterns.map((pattern) => new Promise<void>((resolve) => aedes.subscribe(pattern, forward, resolve))));

  return {
    buffered: () => (count.get() as { n: number }).n,
    dropped: () => dropped,
    async stop() {
      stopped = true;
      await Promise.all(patterns.map((pattern) => new Promise<void>((resolve) => aedes.unsubscribe(pattern, forward, resolve))));
      await client.endAsync(true);
      db.close();
    },
  };
}
