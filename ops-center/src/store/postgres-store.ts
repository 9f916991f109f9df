import type { BirthPayload, Message, TelemetryRecord } from '@lophoc/protocol';
import pg from 'pg';
import type {
  AlertRecord,
  AuditEntry,
  ClassSession,
  CommandRecord,
  CommandStatus,
  EventRecord,
  IntakeRecord,
  KioskRecord,
  LatestValue,
  NodeSummary,
  Role,
  ScreenshotMeta,
  SeqGap,
  SeriesPoint,
  SeriesQuery,
  Site,
  Store,
  UserRecord,
  WriteResult,
} from './store.js';
import { commandResultUpdate, emptyWriteResult, intakeFromRow, newestPerSeries, nodeSummary, rollups } from './write-result.js';

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS records (
    site TEXT NOT NULL, node TEXT NOT NULL, seq BIGINT NOT NULL, kind TEXT NOT NULL, device TEXT,
    ts BIGINT NOT NULL, received_at BIGINT NOT NULL, PRIMARY KEY (site, node, seq)
  );
  CREATE INDEX IF NOT EXISTS records_by_received ON records (received_at);
  CREATE TABLE IF NOT EXISTS samples (
    site TEXT NOT NULL, node TEXT NOT NULL, device TEXT NOT NULL, name TEXT NOT NULL, ts BIGINT NOT NULL, value DOUBLE PRECISION NOT NULL
  );
  CREATE INDEX IF NOT EXISTS samples_by_series ON samples (site, node, device, name, ts);
  CREATE INDEX IF NOT EXISTS samples_by_ts ON samples (ts);
  CREATE TABLE IF NOT EXISTS rollup_1m (
    site TEXT NOT NULL, node TEXT NOT NULL, device TEXT NOT NULL, name TEXT NOT NULL, bucket BIGINT NOT NULL,
    count BIGINT NOT NULL, sum DOUBLE PRECISION NOT NULL, min DOUBLE PRECISION NOT NULL, max DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (site, node, device, name, bucket)
  );
  CREATE TABLE IF NOT EXISTS rollup_1h (LIKE rollup_1m INCLUDING ALL);
  CREATE TABLE IF NOT EXISTS latest (
    site TEXT NOT NULL, node TEXT NOT NULL, device TEXT NOT NULL, name TEXT NOT NULL, ts BIGINT NOT NULL, value DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (site, node, device, name)
  );
  CREATE TABLE IF NOT EXISTS events (
    site TEXT NOT NULL, node TEXT NOT NULL, seq BIGINT NOT NULL, device TEXT NOT NULL, type TEXT NOT NULL, ts BIGINT NOT NULL, data JSONB NOT NULL
  );
  CREATE INDEX IF NOT EXISTS events_by_ts ON events (ts);
  CREATE TABLE IF NOT EXISTS kiosk_records (
    site TEXT NOT NULL, node TEXT NOT NULL, seq BIGINT NOT NULL, kind TEXT NOT NULL, key TEXT NOT NULL, ts BIGINT NOT NULL, data JSONB NOT NULL,
    PRIMARY KEY (site, node, kind, key)
  );
  CREATE INDEX IF NOT EXISTS kiosk_records_by_ts ON kiosk_records (ts);
  CREATE TABLE IF NOT EXISTS kiosk_intake (
    kind TEXT NOT NULL, key TEXT NOT NULL, kiosk TEXT, center TEXT, center_name TEXT, ts BIGINT NOT NULL, data JSONB NOT NULL,
    PRIMARY KEY (kind, key)
  );
  CREATE INDEX IF NOT EXISTS kiosk_intake_by_ts ON kiosk_intake (ts);
  CREATE TABLE IF NOT EXISTS screenshots (
    site TEXT NOT NULL, node TEXT NOT NULL, device TEXT NOT NULL, command_id TEXT NOT NULL, mime TEXT NOT NULL,
    ts BIGINT NOT NULL, image BYTEA NOT NULL, PRIMARY KEY (site, node)
  );
  CREATE TABLE IF NOT EXISTS nodes (
    site TEXT NOT NULL, node TEXT NOT NULL, online BOOLEAN NOT NULL DEFAULT false, version TEXT, birth JSONB,
    last_seen BIGINT NOT NULL, since BIGINT, outbox_depth BIGINT, PRIMARY KEY (site, node)
  );
  CREATE TABLE IF NOT EXISTS device_availability (
    site TEXT NOT NULL, node TEXT NOT NULL, device TEXT NOT NULL, online BOOLEAN NOT NULL, reason TEXT, ts BIGINT NOT NULL,
    PRIMARY KEY (site, node, device)
  );
  CREATE TABLE IF NOT EXISTS sites (id TEXT PRIMARY KEY, name TEXT NOT NULL, city TEXT NOT NULL, ward TEXT NOT NULL, kind TEXT);
  CREATE TABLE IF NOT EXISTS commands (
    id TEXT PRIMARY KEY, site TEXT NOT NULL, node TEXT NOT NULL, device TEXT NOT NULL, method TEXT NOT NULL, params JSONB NOT NULL,
    created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL, sent_at BIGINT, finished_at BIGINT, status TEXT NOT NULL,
    result JSONB, error TEXT, by TEXT NOT NULL, seq BIGSERIAL
  );
  CREATE INDEX IF NOT EXISTS commands_by_status ON commands (status);
  CREATE TABLE IF NOT EXISTS alerts (
    id BIGSERIAL PRIMARY KEY, rule TEXT NOT NULL, target TEXT NOT NULL, severity TEXT NOT NULL, site TEXT NOT NULL, node TEXT NOT NULL,
    device TEXT, message TEXT NOT NULL, value DOUBLE PRECISION, raised_at BIGINT NOT NULL, cleared_at BIGINT, acked_at BIGINT, acked_by TEXT
  );
  CREATE TABLE IF NOT EXISTS alert_rules (id INTEGER PRIMARY KEY CHECK (id = 1), rules JSONB NOT NULL);
  CREATE TABLE IF NOT EXISTS users (username TEXT PRIMARY KEY, role TEXT NOT NULL, password_hash TEXT NOT NULL, created_at BIGINT NOT NULL);
  CREATE TABLE IF NOT EXISTS login_sessions (token_hash TEXT PRIMARY KEY, username TEXT NOT NULL, expires_at BIGINT NOT NULL);
  CREATE TABLE IF NOT EXISTS audit (
    id BIGSERIAL PRIMARY KEY, ts BIGINT NOT NULL, username TEXT NOT NULL, action TEXT NOT NULL, target TEXT NOT NULL, detail JSONB
  );
  CREATE TABLE IF NOT EXISTS class_sessions (
    id BIGSERIAL PRIMARY KEY, site TEXT NOT NULL, room TEXT NOT NULL, title TEXT NOT NULL, start BIGINT NOT NULL, "end" BIGINT NOT NULL
  );
`;

const MINUTE = 60_000;
const HOUR = 3_600_000;

/** ms timestamps are BIGINT; they fit a double exactly, so they come back as numbers, not strings. */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === pg.types.builtins.INT8
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/**
 * PostgreSQL store (DESIGN §7, city scale), the same contract as SqliteStore. A batch is one transaction of a
 * few set-based statements (unnest arrays), so throughput does not depend on per-row round trips.
 */
export class PostgresStore implements Store {
  private constructor(private readonly pool: pg.Pool) {}

  static async connect(url: string): Promise<PostgresStore> {
    const pool = new pg.Pool({ connectionString: url, max: 8, types });
    try {
      const client = await pool.connect();
      try {
        // Two ops-centers starting at once must not race on CREATE TABLE.
        await client.query('SELECT pg_advisory_lock(7346901)');
        await client.query(SCHEMA);
        await client.query('SELECT pg_advisory_unlock(7346901)');
      } finally {
        client.release();
      }
    } catch (error) {
      await pool.end();
      throw new Error(`ops-center: cannot use PostgreSQL at ${url.replace(/:[^:@/]*@/, ':***@')}: ${(error as Error).message}`);
    }
    return new PostgresStore(pool);
  }

  async write(messages: readonly Message[], receivedAt: number): Promise<WriteResult> {
    const result = emptyWriteResult();
    type Candidate = { site: string; node: string; seq: number; kind: string; device: string | null; ts: number; apply: () => void };
    const candidates: Candidate[] = [];
    const samples: LatestValue[] = [];
    const events: EventRecord[] = [];
    const kiosk: KioskRecord[] = [];
    const seen = new Map<string, { site: string; node: string }>();
    const others: Message[] = [];
    for (const message of messages) {
      const { site, node } = message.topic;
      seen.set(`${site}/${node}`, { site, node });
      switch (message.kind) {
        case 'telemetry': {
          const { device } = message.topic;
          const records: TelemetryRecord[] = Array.isArray(message.payload) ? message.payload : [message.payload];
          for (const record of records) {
            candidates.push({
              site,
              node,
              seq: record.seq,
              kind: 'telemetry',
              device,
              ts: record.ts,
              apply: () => {
                for (const [name, value] of Object.entries(record.values)) samples.push({ site, node, device, name, value, ts: record.ts });
              },
            });
          }
          break;
        }
        case 'event': {
          const event = message.payload;
          const { device } = message.topic;
          candidates.push({
            site,
            node,
            seq: event.seq,
            kind: 'event',
            device,
            ts: event.ts,
            apply: () => events.push({ site, node, device, seq: event.seq, type: event.type, ts: event.ts, data: event.data }),
          });
          break;
        }
        case 'outbox': {
          const record = message.payload;
          const kind = message.topic.outbox;
          candidates.push({
            site,
            node,
            seq: record.seq,
            kind: `outbox/${kind}`,
            device: null,
            ts: record.ts,
            apply: () => kiosk.push({ site, node, kind, seq: record.seq, key: record.key, ts: record.ts, data: record.data }),
          });
          break;
        }
        default:
          others.push(message);
      }
    }

    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      if (candidates.length) {
        const fresh = await client.query<{ site: string; node: string; seq: number }>(
          `INSERT INTO records (site, node, seq, kind, device, ts, received_at)
           SELECT s, n, q, k, d, t, $7 FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::bigint[]) AS r(s, n, q, k, d, t)
           ON CONFLICT DO NOTHING RETURNING site, node, seq`,
          [
            candidates.map((c) => c.site),
            candidates.map((c) => c.node),
            candidates.map((c) => c.seq),
            candidates.map((c) => c.kind),
            candidates.map((c) => c.device),
            candidates.map((c) => c.ts),
            receivedAt,
          ],
        );
        const unclaimed = new Set(fresh.rows.map((row) => `${row.site}/${row.node}/${row.seq}`));
        for (const candidate of candidates) {
          const key = `${candidate.site}/${candidate.node}`;
          const entry = result.durable.get(key) ?? { site: candidate.site, node: candidate.node, seqs: [] };
          entry.seqs.push(candidate.seq);
          result.durable.set(key, entry);
          // The first occurrence in the batch is the stored one; repeats inside the batch are duplicates too.
          if (unclaimed.delete(`${key}/${candidate.seq}`)) {
            result.stored++;
            candidate.apply();
          } else result.duplicates++;
        }
      }
      if (samples.length) await this.writeSamples(client, samples, result);
      if (events.length) {
        await client.query(
          `INSERT INTO events (site, node, seq, device, type, ts, data)
           SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::bigint[], $7::jsonb[])`,
          [
            events.map((e) => e.site),
            events.map((e) => e.node),
            events.map((e) => e.seq),
            events.map((e) => e.device),
            events.map((e) => e.type),
            events.map((e) => e.ts),
            events.map((e) => JSON.stringify(e.data)),
          ],
        );
        result.events.push(...events);
      }
      if (kiosk.length) {
        await client.query(
          `INSERT INTO kiosk_records (site, node, seq, kind, key, ts, data)
           SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::bigint[], $7::jsonb[]) ON CONFLICT DO NOTHING`,
          [
            kiosk.map((r) => r.site),
            kiosk.map((r) => r.node),
            kiosk.map((r) => r.seq),
            kiosk.map((r) => r.kind),
            kiosk.map((r) => r.key),
            kiosk.map((r) => r.ts),
            kiosk.map((r) => JSON.stringify(r.data)),
          ],
        );
      }
      const nodes = [...seen.values()];
      await client.query(
        `INSERT INTO nodes (site, node, last_seen) SELECT s, n, $3 FROM unnest($1::text[], $2::text[]) AS x(s, n)
         ON CONFLICT (site, node) DO UPDATE SET last_seen = greatest(nodes.last_seen, excluded.last_seen)`,
        [nodes.map((n) => n.site), nodes.map((n) => n.node), receivedAt],
      );
      for (const message of others) await this.writeNodeMessage(client, message, result);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
    return result;
  }

  private async writeSamples(client: pg.PoolClient, samples: LatestValue[], result: WriteResult): Promise<void> {
    const column = <K extends keyof LatestValue>(key: K, rows: readonly LatestValue[]) => rows.map((row) => row[key]);
    await client.query(
      `INSERT INTO samples (site, node, device, name, ts, value)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::float8[])`,
      [
        column('site', samples),
        column('node', samples),
        column('device', samples),
        column('name', samples),
        column('ts', samples),
        column('value', samples),
      ],
    );
    for (const [table, width] of [
      ['rollup_1m', MINUTE],
      ['rollup_1h', HOUR],
    ] as const) {
      // Aggregated here first: one statement may not update the same row twice.
      const rows = rollups(samples, width);
      await client.query(
        `INSERT INTO ${table} (site, node, device, name, bucket, count, sum, min, max)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::bigint[], $7::float8[], $8::float8[], $9::float8[])
         ON CONFLICT (site, node, device, name, bucket) DO UPDATE SET count = ${table}.count + excluded.count, sum = ${table}.sum + excluded.sum,
           min = least(${table}.min, excluded.min), max = greatest(${table}.max, excluded.max)`,
        [
          rows.map((r) => r.site),
          rows.map((r) => r.node),
          rows.map((r) => r.device),
          rows.map((r) => r.name),
          rows.map((r) => r.bucket),
          rows.map((r) => r.count),
          rows.map((r) => r.sum),
          rows.map((r) => r.min),
          rows.map((r) => r.max),
        ],
      );
    }
    const latest = newestPerSeries(samples);
    const changed = await client.query<{ site: string; node: string; device: string; name: string }>(
      `INSERT INTO latest (site, node, device, name, ts, value)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::float8[])
       ON CONFLICT (site, node, device, name) DO UPDATE SET ts = excluded.ts, value = excluded.value WHERE excluded.ts >= latest.ts
       RETURNING site, node, device, name`,
      [
        column('site', latest),
        column('node', latest),
        column('device', latest),
        column('name', latest),
        column('ts', latest),
        column('value', latest),
      ],
    );
    const updated = new Set(changed.rows.map((r) => `${r.site}/${r.node}/${r.device}/${r.name}`));
    result.samples.push(...samples);
    result.latest.push(...latest.filter((s) => updated.has(`${s.site}/${s.node}/${s.device}/${s.name}`)));
  }

  private async writeNodeMessage(client: pg.PoolClient, message: Message, result: WriteResult): Promise<void> {
    const { site, node } = message.topic;
    switch (message.kind) {
      case 'state':
        await client.query(
          `UPDATE nodes SET since = CASE WHEN online = $1 AND since IS NOT NULL THEN since ELSE $2 END, online = $1, version = $3
           WHERE site = $4 AND node = $5`,
          [message.payload.online, message.payload.ts, message.payload.version, site, node],
        );
        if (message.payload.online) result.cameOnline.push({ site, node });
        result.fleetChanged = true;
        break;
      case 'birth':
        await client.query('UPDATE nodes SET birth = $1 WHERE site = $2 AND node = $3', [JSON.stringify(message.payload), site, node]);
        result.fleetChanged = true;
        break;
      case 'health':
        await client.query('UPDATE nodes SET outbox_depth = $1 WHERE site = $2 AND node = $3', [message.payload.outboxDepth, site, node]);
        break;
      case 'availability':
        await client.query(
          `INSERT INTO device_availability (site, node, device, online, reason, ts) VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (site, node, device) DO UPDATE SET online = excluded.online, reason = excluded.reason, ts = excluded.ts
           WHERE excluded.ts >= device_availability.ts`,
          [site, node, message.topic.device, message.payload.online, message.payload.reason ?? null, message.payload.ts],
        );
        result.fleetChanged = true;
        break;
      case 'cmd-result':
        result.commandResults.push(commandResultUpdate(site, node, message.payload));
        break;
      default:
        break;
    }
  }

  private async rows<T extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<T[]> {
    return (await this.pool.query<T>(text, values)).rows;
  }

  async latest(): Promise<LatestValue[]> {
    const units = await this.unitsByReading();
    const rows = await this.rows<LatestValue>('SELECT site, node, device, name, value, ts FROM latest ORDER BY site, node, device, name');
    return rows.map((row) => {
      const unit = units.get(`${row.site}/${row.node}/${row.device}/${row.name}`);
      return unit ? { ...row, unit } : row;
    });
  }

  async series(query: SeriesQuery): Promise<SeriesPoint[]> {
    const { site, node, device, name, from = 0, to = Number.MAX_SAFE_INTEGER, limit = 10_000, resolution = 'raw' } = query;
    if (resolution === 'raw') {
      const rows = await this.rows<{ ts: number; value: number }>(
        `SELECT ts, value FROM samples WHERE site = $1 AND node = $2 AND device = $3 AND name = $4 AND ts BETWEEN $5 AND $6
         ORDER BY ts DESC LIMIT $7`,
        [site, node, device, name, from, to, limit],
      );
      return rows.reverse().map((row) => [row.ts, row.value]);
    }
    const width = resolution === '1m' ? MINUTE : HOUR;
    const rows = await this.rows<{ bucket: number; count: number; sum: number; min: number; max: number }>(
      `SELECT bucket, count, sum, min, max FROM ${resolution === '1m' ? 'rollup_1m' : 'rollup_1h'}
       WHERE site = $1 AND node = $2 AND device = $3 AND name = $4 AND bucket BETWEEN $5 AND $6 ORDER BY bucket DESC LIMIT $7`,
      [site, node, device, name, from - (from % width), to, limit],
    );
    return rows.reverse().map((row) => [row.bucket, row.sum / row.count, row.min, row.max, row.count]);
  }

  async nodes(): Promise<NodeSummary[]> {
    const availability = new Map(
      (
        await this.rows<{ site: string; node: string; device: string; online: boolean; reason: string | null; ts: number }>(
          'SELECT site, node, device, online, reason, ts FROM device_availability',
        )
      ).map((row) => [`${row.site}/${row.node}/${row.device}`, row]),
    );
    const rows = await this.rows<{
      site: string;
      node: string;
      online: boolean;
      version: string | null;
      birth: BirthPayload | null;
      last_seen: number;
      since: number | null;
      outbox_depth: number | null;
    }>('SELECT site, node, online, version, birth, last_seen, since, outbox_depth FROM nodes ORDER BY site, node');
    return rows.map((row) =>
      nodeSummary(
        {
          site: row.site,
          node: row.node,
          online: row.online,
          version: row.version,
          birth: row.birth ?? undefined,
          lastSeen: row.last_seen,
          since: row.since,
          outboxDepth: row.outbox_depth,
        },
        (device) => availability.get(`${row.site}/${row.node}/${device}`),
      ),
    );
  }

  async readingNames(): Promise<string[]> {
    const rows = await this.rows<{ name: string }>(
      `SELECT DISTINCT e->>'name' AS name FROM nodes, jsonb_array_elements(birth->'devices') d, jsonb_array_elements(d->'exposes') e
       WHERE birth IS NOT NULL AND e->>'kind' = 'reading' ORDER BY 1`,
    );
    return rows.map((row) => row.name);
  }

  async gaps(site?: string, node?: string): Promise<SeqGap[]> {
    return this.rows<SeqGap>(
      `SELECT site, node, seq + 1 AS "from", next - 1 AS "to" FROM (
         SELECT site, node, seq, LEAD(seq) OVER (PARTITION BY site, node ORDER BY seq) AS next FROM records
         WHERE ($1::text IS NULL OR site = $1) AND ($2::text IS NULL OR node = $2)
       ) g WHERE next > seq + 1 ORDER BY site, node, "from"`,
      [site ?? null, node ?? null],
    );
  }

  async prune(before: number, minuteRollupsBefore: number): Promise<{ samples: number; records: number }> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const samples = (await client.query('DELETE FROM samples WHERE ts < $1', [before])).rowCount ?? 0;
      const records = (await client.query('DELETE FROM records WHERE received_at < $1 AND ts < $1', [before])).rowCount ?? 0;
      await client.query('DELETE FROM rollup_1m WHERE bucket < $1', [minuteRollupsBefore]);
      await client.query('COMMIT');
      return { samples, records };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async sites(): Promise<Site[]> {
    const rows = await this.rows<Site & { kind: Site['kind'] | null }>(
      'SELECT id, name, city, ward, kind FROM sites ORDER BY city, ward, name',
    );
    return rows.map(({ kind, ...site }) => (kind ? { ...site, kind } : site));
  }

  async upsertSites(sites: readonly Site[]): Promise<void> {
    await this.pool.query(
      `INSERT INTO sites (id, name, city, ward, kind) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])
       ON CONFLICT (id) DO UPDATE SET name = excluded.name, city = excluded.city, ward = excluded.ward, kind = excluded.kind`,
      [
        sites.map((s) => s.id),
        sites.map((s) => s.name),
        sites.map((s) => s.city),
        sites.map((s) => s.ward),
        sites.map((s) => s.kind ?? null),
      ],
    );
  }

  async events(query: { site?: string; types?: readonly string[]; from: number; to: number }): Promise<EventRecord[]> {
    return this.rows<EventRecord>(
      `SELECT site, node, device, seq, type, ts, data FROM events WHERE ts >= $1 AND ts < $2
       AND ($3::text IS NULL OR site = $3) AND (cardinality($4::text[]) = 0 OR type = ANY($4)) ORDER BY ts`,
      [query.from, query.to, query.site ?? null, [...(query.types ?? [])]],
    );
  }

  async kioskRecords(query: { from: number; to: number }): Promise<KioskRecord[]> {
    return this.rows<KioskRecord>('SELECT site, node, kind, seq, key, ts, data FROM kiosk_records WHERE ts >= $1 AND ts < $2 ORDER BY ts', [
      query.from,
      query.to,
    ]);
  }

  async recordIntake(records: readonly IntakeRecord[]): Promise<number> {
    if (!records.length) return 0;
    const { rowCount } = await this.pool.query(
      `INSERT INTO kiosk_intake (kind, key, kiosk, center, center_name, ts, data)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::jsonb[])
       ON CONFLICT DO NOTHING`,
      [
        records.map((r) => r.kind),
        records.map((r) => r.key),
        records.map((r) => r.kiosk ?? null),
        records.map((r) => r.center ?? null),
        records.map((r) => r.centerName ?? null),
        records.map((r) => r.ts),
        records.map((r) => JSON.stringify(r.data)),
      ],
    );
    return rowCount ?? 0;
  }

  async intakeRecords(query: { from: number; to: number }): Promise<IntakeRecord[]> {
    const rows = await this.rows<Parameters<typeof intakeFromRow>[0]>(
      'SELECT kind, key, kiosk, center, center_name, ts, data FROM kiosk_intake WHERE ts >= $1 AND ts < $2 ORDER BY ts, key',
      [query.from, query.to],
    );
    return rows.map(intakeFromRow);
  }

  async saveScreenshot(meta: Omit<ScreenshotMeta, 'bytes'>, image: Buffer): Promise<void> {
    await this.pool.query(
      `INSERT INTO screenshots (site, node, device, command_id, mime, ts, image) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (site, node) DO UPDATE SET device = excluded.device, command_id = excluded.command_id, mime = excluded.mime,
         ts = excluded.ts, image = excluded.image WHERE excluded.ts >= screenshots.ts`,
      [meta.site, meta.node, meta.device, meta.commandId, meta.mime, meta.ts, image],
    );
  }

  async screenshots(): Promise<ScreenshotMeta[]> {
    return this.rows<ScreenshotMeta>(
      `SELECT site, node, device, command_id AS "commandId", mime, length(image) AS bytes, ts FROM screenshots ORDER BY site, node`,
    );
  }

  async screenshot(site: string, node: string): Promise<{ meta: ScreenshotMeta; image: Buffer } | undefined> {
    const [row] = await this.rows<ScreenshotMeta & { image: Buffer }>(
      `SELECT site, node, device, command_id AS "commandId", mime, length(image) AS bytes, ts, image FROM screenshots
       WHERE site = $1 AND node = $2`,
      [site, node],
    );
    if (!row) return undefined;
    const { image, ...meta } = row;
    return { meta, image };
  }

  async insertCommand(c: CommandRecord): Promise<void> {
    await this.pool.query(
      `INSERT INTO commands (id, site, node, device, method, params, created_at, expires_at, sent_at, finished_at, status, result, error, by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
      [
        c.id,
        c.site,
        c.node,
        c.device,
        c.method,
        JSON.stringify(c.params),
        c.createdAt,
        c.expiresAt,
        c.sentAt ?? null,
        c.finishedAt ?? null,
        c.status,
        c.result === undefined ? null : JSON.stringify(c.result),
        c.error ?? null,
        c.by,
      ],
    );
  }

  async updateCommand(
    id: string,
    change: Partial<Pick<CommandRecord, 'status' | 'sentAt' | 'finishedAt' | 'result' | 'error'>>,
  ): Promise<void> {
    const columns: [string, unknown][] = (
      [
        ['status', change.status],
        ['sent_at', change.sentAt],
        ['finished_at', change.finishedAt],
        ['result', change.result === undefined ? undefined : JSON.stringify(change.result)],
        ['error', change.error],
      ] as [string, unknown][]
    ).filter(([, value]) => value !== undefined);
    if (columns.length === 0) return;
    await this.pool.query(`UPDATE commands SET ${columns.map(([column], i) => `${column} = $${i + 2}`).join(', ')} WHERE id = $1`, [
      id,
      ...columns.map(([, value]) => value),
    ]);
  }

  async command(id: string): Promise<CommandRecord | undefined> {
    const [row] = await this.rows<CommandRow>('SELECT * FROM commands WHERE id = $1', [id]);
    return row && commandFromRow(row);
  }

  async commands(query: { status?: readonly CommandStatus[]; site?: string; node?: string; limit?: number }): Promise<CommandRecord[]> {
    const rows = await this.rows<CommandRow>(
      `SELECT * FROM commands WHERE (cardinality($1::text[]) = 0 OR status = ANY($1)) AND ($2::text IS NULL OR site = $2)
       AND ($3::text IS NULL OR node = $3) ORDER BY created_at DESC, seq DESC LIMIT $4`,
      [[...(query.status ?? [])], query.site ?? null, query.node ?? null, query.limit ?? 200],
    );
    return rows.map(commandFromRow);
  }

  async insertAlert(alert: Omit<AlertRecord, 'id'>): Promise<AlertRecord> {
    const [row] = await this.rows<{ id: number }>(
      `INSERT INTO alerts (rule, target, severity, site, node, device, message, value, raised_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       RETURNING id`,
      [
        alert.rule,
        alert.target,
        alert.severity,
        alert.site,
        alert.node,
        alert.device ?? null,
        alert.message,
        alert.value ?? null,
        alert.raisedAt,
      ],
    );
    return { ...alert, id: row!.id };
  }

  async clearAlert(id: number, at: number): Promise<void> {
    await this.pool.query('UPDATE alerts SET cleared_at = $1 WHERE id = $2 AND cleared_at IS NULL', [at, id]);
  }

  async ackAlert(id: number, by: string, at: number): Promise<AlertRecord | undefined> {
    await this.pool.query('UPDATE alerts SET acked_at = $1, acked_by = $2 WHERE id = $3 AND acked_at IS NULL', [at, by, id]);
    const [row] = await this.rows<AlertRow>('SELECT * FROM alerts WHERE id = $1', [id]);
    return row && alertFromRow(row);
  }

  async alert(id: number): Promise<AlertRecord | undefined> {
    const [row] = await this.rows<AlertRow>('SELECT * FROM alerts WHERE id = $1', [id]);
    return row && alertFromRow(row);
  }

  async alerts(query: { active?: boolean; limit?: number }): Promise<AlertRecord[]> {
    const where = query.active === true ? 'WHERE cleared_at IS NULL' : query.active === false ? 'WHERE cleared_at IS NOT NULL' : '';
    const rows = await this.rows<AlertRow>(`SELECT * FROM alerts ${where} ORDER BY raised_at DESC, id DESC LIMIT $1`, [query.limit ?? 500]);
    return rows.map(alertFromRow);
  }

  async rules(): Promise<unknown[]> {
    const [row] = await this.rows<{ rules: unknown[] }>('SELECT rules FROM alert_rules WHERE id = 1');
    return row?.rules ?? [];
  }

  async saveRules(rules: readonly unknown[]): Promise<void> {
    await this.pool.query('INSERT INTO alert_rules (id, rules) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET rules = excluded.rules', [
      JSON.stringify(rules),
    ]);
  }

  async users(): Promise<UserRecord[]> {
    return this.rows<UserRecord>(
      'SELECT username, role, password_hash AS "passwordHash", created_at AS "createdAt" FROM users ORDER BY username',
    );
  }

  async user(username: string): Promise<UserRecord | undefined> {
    const [row] = await this.rows<UserRecord>(
      'SELECT username, role, password_hash AS "passwordHash", created_at AS "createdAt" FROM users WHERE username = $1',
      [username],
    );
    return row;
  }

  async putUser(user: UserRecord): Promise<void> {
    await this.pool.query(
      `INSERT INTO users (username, role, password_hash, created_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (username) DO UPDATE SET role = excluded.role, password_hash = excluded.password_hash`,
      [user.username, user.role, user.passwordHash, user.createdAt],
    );
  }

  async createSession(tokenHash: string, username: string, expiresAt: number): Promise<void> {
    await this.pool.query('INSERT INTO login_sessions (token_hash, username, expires_at) VALUES ($1, $2, $3)', [
      tokenHash,
      username,
      expiresAt,
    ]);
  }

  async session(tokenHash: string, now: number): Promise<{ username: string; role: Role } | undefined> {
    const [row] = await this.rows<{ username: string; role: Role }>(
      `SELECT s.username, u.role FROM login_sessions s JOIN users u ON u.username = s.username WHERE s.token_hash = $1 AND s.expires_at > $2`,
      [tokenHash, now],
    );
    return row;
  }

  async deleteSession(tokenHash: string): Promise<void> {
    await this.pool.query('DELETE FROM login_sessions WHERE token_hash = $1', [tokenHash]);
  }

  async pruneSessions(now: number): Promise<number> {
    return (await this.pool.query('DELETE FROM login_sessions WHERE expires_at <= $1', [now])).rowCount ?? 0;
  }

  async audit(entry: AuditEntry): Promise<void> {
    await this.pool.query('INSERT INTO audit (ts, username, action, target, detail) VALUES ($1, $2, $3, $4, $5)', [
      entry.ts,
      entry.user,
      entry.action,
      entry.target,
      entry.detail ? JSON.stringify(entry.detail) : null,
    ]);
  }

  async auditLog(limit = 500): Promise<AuditEntry[]> {
    const rows = await this.rows<{ ts: number; username: string; action: string; target: string; detail: Record<string, unknown> | null }>(
      'SELECT ts, username, action, target, detail FROM audit ORDER BY ts DESC, id DESC LIMIT $1',
      [limit],
    );
    return rows.map((row) => ({
      ts: row.ts,
      user: row.username,
      action: row.action,
      target: row.target,
      ...(row.detail ? { detail: row.detail } : {}),
    }));
  }

  async classSessions(query: { site?: string; room?: string; from: number; to: number }): Promise<ClassSession[]> {
    return this.rows<ClassSession>(
      `SELECT id, site, room, title, start, "end" FROM class_sessions WHERE start < $1 AND "end" > $2
       AND ($3::text IS NULL OR site = $3) AND ($4::text IS NULL OR room = $4) ORDER BY start`,
      [query.to, query.from, query.site ?? null, query.room ?? null],
    );
  }

  async addClassSession(session: Omit<ClassSession, 'id'>): Promise<ClassSession> {
    const [row] = await this.rows<{ id: number }>(
      'INSERT INTO class_sessions (site, room, title, start, "end") VALUES ($1, $2, $3, $4, $5) RETURNING id',
      [session.site, session.room, session.title, session.start, session.end],
    );
    return { ...session, id: row!.id };
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  private async unitsByReading(): Promise<Map<string, string>> {
    const rows = await this.rows<{ key: string; unit: string }>(
      `SELECT site || '/' || node || '/' || (d->>'id') || '/' || (e->>'name') AS key, e->>'unit' AS unit
       FROM nodes, jsonb_array_elements(birth->'devices') d, jsonb_array_elements(d->'exposes') e
       WHERE birth IS NOT NULL AND e->>'unit' IS NOT NULL`,
    );
    return new Map(rows.map((row) => [row.key, row.unit]));
  }
}

type CommandRow = {
  id: string;
  site: string;
  node: string;
  device: string;
  method: string;
  params: Record<string, unknown>;
  created_at: number;
  expires_at: number;
  sent_at: number | null;
  finished_at: number | null;
  status: CommandStatus;
  result: unknown;
  error: string | null;
  by: string;
};
type AlertRow = {
  id: number;
  rule: string;
  target: string;
  severity: AlertRecord['severity'];
  site: string;
  node: string;
  device: string | null;
  message: string;
  value: number | null;
  raised_at: number;
  cleared_at: number | null;
  acked_at: number | null;
  acked_by: string | null;
};

function commandFromRow(row: CommandRow): CommandRecord {
  return {
    id: row.id,
    site: row.site,
    node: row.node,
    device: row.device,
    method: row.method,
    params: row.params,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    status: row.status,
    by: row.by,
    ...(row.sent_at !== null ? { sentAt: row.sent_at } : {}),
    ...(row.finished_at !== null ? { finishedAt: row.finished_at } : {}),
    ...(row.result !== null ? { result: row.result } : {}),
    ...(row.error !== null ? { error: row.error } : {}),
  };
}

function alertFromRow(row: AlertRow): AlertRecord {
  return {
    id: row.id,
    rule: row.rule,
    target: row.target,
    severity: row.severity,
    site: row.site,
    node: row.node,
    message: row.message,
    raisedAt: row.raised_at,
    ...(row.device !== null ? { device: row.device } : {}),
    ...(row.value !== null ? { value: row.value } : {}),
    ...(row.cleared_at !== null ? { clearedAt: row.cleared_at } : {}),
    ...(row.acked_at !== null ? { ackedAt: row.acked_at } : {}),
    ...(row.acked_by !== null ? { ackedBy: row.acked_by } : {}),
  };
}
