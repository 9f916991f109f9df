import type { BirthPayload, Message, TelemetryRecord } from '@lophoc/protocol';
import Database from 'better-sqlite3';
import type { LatestValue, NodeSummary, SeriesQuery, Store, WriteResult } from './store.js';

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS records (
    site TEXT NOT NULL, node TEXT NOT NULL, seq INTEGER NOT NULL,
    kind TEXT NOT NULL, device TEXT, ts INTEGER NOT NULL, received_at INTEGER NOT NULL,
    PRIMARY KEY (site, node, seq)
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS samples (
    site TEXT NOT NULL, node TEXT NOT NULL, device TEXT NOT NULL, name TEXT NOT NULL,
    ts INTEGER NOT NULL, value REAL NOT NULL
  );
  CREATE INDEX IF NOT EXISTS samples_by_series ON samples (site, node, device, name, ts);
  CREATE TABLE IF NOT EXISTS latest (
    site TEXT NOT NULL, node TEXT NOT NULL, device TEXT NOT NULL, name TEXT NOT NULL,
    ts INTEGER NOT NULL, value REAL NOT NULL,
    PRIMARY KEY (site, node, device, name)
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS events (
    site TEXT NOT NULL, node TEXT NOT NULL, seq INTEGER NOT NULL, device TEXT NOT NULL,
    type TEXT NOT NULL, ts INTEGER NOT NULL, data TEXT NOT NULL
  );
  CREATE TABLE IF NOT EXISTS nodes (
    site TEXT NOT NULL, node TEXT NOT NULL,
    online INTEGER NOT NULL DEFAULT 0, version TEXT, birth TEXT, last_seen INTEGER NOT NULL,
    PRIMARY KEY (site, node)
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS device_availability (
    site TEXT NOT NULL, node TEXT NOT NULL, device TEXT NOT NULL,
    online INTEGER NOT NULL, reason TEXT, ts INTEGER NOT NULL,
    PRIMARY KEY (site, node, device)
  ) WITHOUT ROWID;
`;

/** SQLite store (better-sqlite3, WAL). One writer: the ingest; readers are the HTTP API. */
export class SqliteStore implements Store {
  private readonly db: Database.Database;
  private readonly sql;

  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL'); // WAL + NORMAL: durable across process crashes, which is what acks promise
    this.db.exec(SCHEMA);
    this.sql = {
      record: this.db.prepare(
        'INSERT OR IGNORE INTO records (site, node, seq, kind, device, ts, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      sample: this.db.prepare('INSERT INTO samples (site, node, device, name, ts, value) VALUES (?, ?, ?, ?, ?, ?)'),
      latest: this.db.prepare(
        `INSERT INTO latest (site, node, device, name, ts, value) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (site, node, device, name) DO UPDATE SET ts = excluded.ts, value = excluded.value WHERE excluded.ts >= latest.ts`,
      ),
      event: this.db.prepare('INSERT INTO events (site, node, seq, device, type, ts, data) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      seen: this.db.prepare(
        `INSERT INTO nodes (site, node, last_seen) VALUES (?, ?, ?)
         ON CONFLICT (site, node) DO UPDATE SET last_seen = max(last_seen, excluded.last_seen)`,
      ),
      state: this.db.prepare('UPDATE nodes SET online = ?, version = ? WHERE site = ? AND node = ?'),
      birth: this.db.prepare('UPDATE nodes SET birth = ? WHERE site = ? AND node = ?'),
      availability: this.db.prepare(
        `INSERT INTO device_availability (site, node, device, online, reason, ts) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (site, node, device) DO UPDATE SET online = excluded.online, reason = excluded.reason, ts = excluded.ts
         WHERE excluded.ts >= device_availability.ts`,
      ),
      allLatest: this.db.prepare<[], LatestValue>(
        'SELECT site, node, device, name, value, ts FROM latest ORDER BY site, node, device, name',
      ),
      series: this.db.prepare<[string, string, string, string, number, number, number], { ts: number; value: number }>(
        `SELECT ts, value FROM samples WHERE site = ? AND node = ? AND device = ? AND name = ? AND ts BETWEEN ? AND ?
         ORDER BY ts DESC LIMIT ?`,
      ),
      nodes: this.db.prepare<
        [],
        { site: string; node: string; online: number; version: string | null; birth: string | null; last_seen: number }
      >('SELECT site, node, online, version, birth, last_seen FROM nodes ORDER BY site, node'),
      availabilities: this.db.prepare<[], { site: string; node: string; device: string; online: number; reason: string | null }>(
        'SELECT site, node, device, online, reason FROM device_availability',
      ),
    };
  }

  write(messages: readonly Message[], receivedAt: number): WriteResult {
    const result: WriteResult = { durable: new Map(), stored: 0, duplicates: 0, latest: [] };
    const durable = (site: string, node: string, seq: number) => {
      const key = `${site}/${node}`;
      const entry = result.durable.get(key) ?? { site, node, seqs: [] };
      entry.seqs.push(seq);
      result.durable.set(key, entry);
    };
    /** Inserts the record row; false when `(site, node, seq)` was already stored. */
    const claim = (site: string, node: string, seq: number, kind: string, device: string | null, ts: number) => {
      durable(site, node, seq);
      const fresh = this.sql.record.run(site, node, seq, kind, device, ts, receivedAt).changes === 1;
      if (fresh) result.stored++;
      else result.duplicates++;
      return fresh;
    };
    this.db.transaction(() => {
      for (const message of messages) {
        const { site, node } = message.topic;
        this.sql.seen.run(site, node, receivedAt);
        switch (message.kind) {
          case 'telemetry': {
            const { device } = message.topic;
            const records: TelemetryRecord[] = Array.isArray(message.payload) ? message.payload : [message.payload];
            for (const record of records) {
              if (!claim(site, node, record.seq, 'telemetry', device, record.ts)) continue;
              for (const [name, value] of Object.entries(record.values)) {
                this.sql.sample.run(site, node, device, name, record.ts, value);
                if (this.sql.latest.run(site, node, device, name, record.ts, value).changes > 0) {
                  result.latest.push({ site, node, device, name, value, ts: record.ts });
                }
              }
            }
            break;
          }
          case 'event': {
            const event = message.payload;
            if (claim(site, node, event.seq, 'event', message.topic.device, event.ts)) {
              this.sql.event.run(site, node, event.seq, message.topic.device, event.type, event.ts, JSON.stringify(event.data));
            }
            break;
          }
          case 'state': {
            this.sql.state.run(message.payload.online ? 1 : 0, message.payload.version, site, node);
            break;
          }
          case 'birth':
            this.sql.birth.run(JSON.stringify(message.payload), site, node);
            break;
          case 'availability': {
            const availability = message.payload;
            this.sql.availability.run(
              site,
              node,
              message.topic.device,
              availability.online ? 1 : 0,
              availability.reason ?? null,
              availability.ts,
            );
            break;
          }
          default:
            break; // health, results and kiosk records are stored by the issues that use them
        }
      }
    })();
    return result;
  }

  latest(): LatestValue[] {
    const units = this.unitsByReading();
    return this.sql.allLatest.all().map((row) => {
      const unit = units.get(`${row.site}/${row.node}/${row.device}/${row.name}`);
      return unit ? { ...row, unit } : row;
    });
  }

  series({ site, node, device, name, from = 0, to = Number.MAX_SAFE_INTEGER, limit = 10_000 }: SeriesQuery): [number, number][] {
    return this.sql.series
      .all(site, node, device, name, from, to, limit)
      .reverse()
      .map((row) => [row.ts, row.value]);
  }

  nodes(): NodeSummary[] {
    const availability = new Map(this.sql.availabilities.all().map((row) => [`${row.site}/${row.node}/${row.device}`, row]));
    return this.sql.nodes.all().map((row) => {
      const birth = row.birth ? (JSON.parse(row.birth) as BirthPayload) : undefined;
      return {
        site: row.site,
        node: row.node,
        online: row.online === 1,
        lastSeen: row.last_seen,
        ...(row.version ? { version: row.version } : {}),
        ...(birth ? { kind: birth.kind, ...(birth.room ? { room: birth.room } : {}) } : {}),
        devices: (birth?.devices ?? []).map((device) => {
          const state = availability.get(`${row.site}/${row.node}/${device.id}`);
          return {
            device: device.id,
            profile: device.profile,
            ...(device.name ? { name: device.name } : {}),
            ...(state ? { online: state.online === 1, ...(state.reason ? { reason: state.reason } : {}) } : {}),
          };
        }),
      };
    });
  }

  close(): void {
    this.db.close();
  }

  private unitsByReading(): Map<string, string> {
    const units = new Map<string, string>();
    for (const row of this.sql.nodes.all()) {
      if (!row.birth) continue;
      const birth = JSON.parse(row.birth) as BirthPayload;
      for (const device of birth.devices) {
        for (const expose of device.exposes) {
          if (expose.unit) units.set(`${row.site}/${row.node}/${device.id}/${expose.name}`, expose.unit);
        }
      }
    }
    return units;
  }
}
