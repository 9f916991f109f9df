import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import Database from 'better-sqlite3';
import { hashPassword, mosquittoHash, randomSecret, verifyPassword } from './passwords.js';

/** Administrative places are data: a city holds wards, a ward holds schools and learning centers, those hold rooms. */
export const SITE_KINDS = ['city', 'ward', 'school', 'learning-center', 'room'] as const;
export type SiteKind = (typeof SITE_KINDS)[number];
const PARENT_KINDS: Record<SiteKind, readonly SiteKind[]> = {
  city: [],
  ward: ['city'],
  school: ['ward'],
  'learning-center': ['ward'],
  room: ['school', 'learning-center'],
};
export const NODE_KINDS = ['gateway', 'kiosk'] as const;
export type NodeKind = (typeof NODE_KINDS)[number];
/** node: a gateway or kiosk; service: the ops-center (reads all, writes cmd/ack); operator: reads all, writes nothing. */
export type Role = 'node' | 'service' | 'operator';

/** DESIGN §3: site, node and device ids. */
const ID = /^[a-z0-9][a-z0-9-]{0,62}$/;
const USERNAME = /^[a-z0-9][a-z0-9._-]{0,127}$/;

export interface Site {
  id: string;
  kind: SiteKind;
  name: string;
  parent: string | null;
}
export interface Account {
  username: string;
  role: Role;
  site: string | null;
  node: string | null;
  /** Bumped by every rotation: a connection authenticated with an older generation is closed. */
  generation: number;
  revoked: boolean;
}
export interface NodeRow {
  site: string;
  node: string;
  kind: NodeKind;
  room: string | null;
  username: string;
  lastSeen: number | null;
  revoked: boolean;
}
export interface Credentials {
  username: string;
  password: string;
}
export interface ClaimToken {
  token: string;
  expiresAt: number;
}

export class RegistryError extends Error {
  override name = 'RegistryError';
}
export class ClaimRefused extends Error {
  override name = 'ClaimRefused';
  constructor(readonly reason: 'unknown' | 'expired' | 'used') {
    super(`claim token refused: ${reason === 'unknown' ? 'no such token' : reason === 'expired' ? 'token expired' : 'token already used'}`);
  }
}

/** The MQTT username (and client id) of a node: `{site}.{node}`; ids cannot contain a dot, so it is unambiguous. */
export function nodeUsername(site: string, node: string): string {
  return `${site}.${node}`;
}

function checkId(what: string, value: string): void {
  if (!ID.test(value)) throw new RegistryError(`${what} "${value}" must match [a-z0-9][a-z0-9-]{0,62}`);
}

const tokenDigest = (token: string) => createHash('sha256').update(token).digest('hex');

const SCHEMA = `
CREATE TABLE IF NOT EXISTS sites (
  id TEXT PRIMARY KEY, kind TEXT NOT NULL, name TEXT NOT NULL, parent TEXT REFERENCES sites(id)
);
CREATE TABLE IF NOT EXISTS accounts (
  username TEXT PRIMARY KEY, role TEXT NOT NULL CHECK (role IN ('node','service','operator')),
  site TEXT REFERENCES sites(id), node TEXT, password_hash TEXT NOT NULL, mosquitto_hash TEXT NOT NULL,
  generation INTEGER NOT NULL DEFAULT 1, created_at INTEGER NOT NULL, revoked_at INTEGER
);
CREATE TABLE IF NOT EXISTS nodes (
  site TEXT NOT NULL REFERENCES sites(id), node TEXT NOT NULL, kind TEXT NOT NULL, room TEXT REFERENCES sites(id),
  username TEXT NOT NULL REFERENCES accounts(username), last_seen INTEGER, PRIMARY KEY (site, node)
);
CREATE TABLE IF NOT EXISTS claim_tokens (
  digest TEXT PRIMARY KEY, site TEXT NOT NULL REFERENCES sites(id), node TEXT NOT NULL, kind TEXT NOT NULL,
  room TEXT, expires_at INTEGER NOT NULL, used_at INTEGER
);
`;

interface AccountRecord {
  username: string;
  role: Role;
  site: string | null;
  node: string | null;
  password_hash: string;
  mosquitto_hash: string;
  generation: number;
  revoked_at: number | null;
}

const toAccount = (row: AccountRecord): Account => ({
  username: row.username,
  role: row.role,
  site: row.site,
  node: row.node,
  generation: row.generation,
  revoked: row.revoked_at !== null,
});

/**
 * The district's device registry (SQLite): sites as a hierarchy, nodes, hashed credentials and one-time
 * claim tokens. Passwords are never stored, only their scrypt hash (and the PBKDF2 hash Mosquitto reads).
 */
export class Registry {
  /**
   * Recent successful logins, so a reconnect storm does not cost one scrypt (~50 ms of CPU) per node: an HMAC of
   * the password under a per-process random key, tied to the stored hash (a rotation invalidates it) and to time.
   */
  private readonly recentLogins = new Map<string, { digest: Buffer; hash: string; at: number }>();
  private readonly loginKey = randomBytes(32);
  static readonly LOGIN_CACHE_MS = 10 * 60_000;

  private constructor(private readonly db: Database.Database) {}

  static open(file: string): Registry {
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('busy_timeout = 5000');
    db.pragma('foreign_keys = ON');
    db.exec(SCHEMA);
    return new Registry(db);
  }

  close(): void {
    this.db.close();
  }

  /** Changes whenever another connection (the CLI) wrote to the file: the broker polls it to apply revocations. */
  dataVersion(): number {
    return this.db.pragma('data_version', { simple: true }) as number;
  }

  addSite(site: { id: string; kind: SiteKind; name: string; parent?: string | null }): Site {
    checkId('site id', site.id);
    if (!SITE_KINDS.includes(site.kind)) throw new RegistryError(`site kind "${site.kind}" must be one of ${SITE_KINDS.join(', ')}`);
    const name = site.name.normalize('NFC').trim();
    if (name === '') throw new RegistryError(`site "${site.id}" needs a name`);
    const parent = site.parent ?? null;
    const allowed = PARENT_KINDS[site.kind];
    if (parent === null && allowed.length > 0) throw new RegistryError(`a ${site.kind} needs a parent (${allowed.join(' or ')})`);
    if (parent !== null) {
      const parentSite = this.site(parent);
      if (!parentSite) throw new RegistryError(`parent site "${parent}" does not exist`);
      if (!allowed.includes(parentSite.kind))
        throw new RegistryError(
          `a ${site.kind} cannot sit under a ${parentSite.kind} ("${parent}"); its parent must be ${allowed.join(' or ') || 'none'}`,
        );
    }
    const existing = this.site(site.id);
    if (existing) {
      if (existing.kind !== site.kind || existing.parent !== parent)
        throw new RegistryError(`site "${site.id}" already exists as a ${existing.kind} under ${existing.parent ?? 'nothing'}`);
      this.db.prepare('UPDATE sites SET name = ? WHERE id = ?').run(name, site.id);
    } else {
      this.db.prepare('INSERT INTO sites (id, kind, name, parent) VALUES (?, ?, ?, ?)').run(site.id, site.kind, name, parent);
    }
    return { id: site.id, kind: site.kind, name, parent };
  }

  site(id: string): Site | undefined {
    return this.db.prepare('SELECT id, kind, name, parent FROM sites WHERE id = ?').get(id) as Site | undefined;
  }

  listSites(): Site[] {
    return this.db.prepare('SELECT id, kind, name, parent FROM sites ORDER BY id').all() as Site[];
  }

  /** A site that nodes can belong to (school or learning center), and the room, if given, inside it. */
  private checkNodePlace(site: string, node: string, kind: NodeKind, room: string | null): void {
    checkId('node id', node);
    if (!NODE_KINDS.includes(kind)) throw new RegistryError(`node kind "${kind}" must be gateway or kiosk`);
    const place = this.site(site);
    if (!place) throw new RegistryError(`site "${site}" does not exist`);
    if (place.kind !== 'school' && place.kind !== 'learning-center')
      throw new RegistryError(`nodes belong to a school or learning center; "${site}" is a ${place.kind}`);
    if (room !== null) {
      const roomSite = this.site(room);
      if (roomSite?.kind !== 'room' || roomSite.parent !== site) throw new RegistryError(`room "${room}" is not a room of "${site}"`);
    }
  }

  /** A one-time claim token binding a future node to its site (and room); only its SHA-256 is stored. */
  issueClaimToken(options: { site: string; node: string; kind: NodeKind; room?: string | null; ttlMs: number; now?: number }): ClaimToken {
    const room = options.room ?? null;
    this.checkNodePlace(options.site, options.node, options.kind, room);
    if (!(options.ttlMs > 0)) throw new RegistryError(`claim token lifetime must be positive, got ${options.ttlMs} ms`);
    const token = randomSecret();
    const expiresAt = (options.now ?? Date.now()) + options.ttlMs;
    this.db
      .prepare('INSERT INTO claim_tokens (digest, site, node, kind, room, expires_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(tokenDigest(token), options.site, options.node, options.kind, room, expiresAt);
    return { token, expiresAt };
  }

  /** Burns a claim token and returns the node's credentials, once. Expired, reused and unknown tokens are refused. */
  async claim(token: string, now = Date.now()): Promise<Credentials & { site: string; node: string; kind: NodeKind; room: string | null }> {
    const password = randomSecret();
    const [hash, mqHash] = [await hashPassword(password), mosquittoHash(password)];
    const burn = this.db.transaction(() => {
      const row = this.db
        .prepare('SELECT site, node, kind, room, expires_at, used_at FROM claim_tokens WHERE digest = ?')
        .get(tokenDigest(token)) as
        | { site: string; node: string; kind: NodeKind; room: string | null; expires_at: number; used_at: number | null }
        | undefined;
      if (!row) throw new ClaimRefused('unknown');
      if (row.used_at !== null) throw new ClaimRefused('used');
      if (row.expires_at <= now) throw new ClaimRefused('expired');
      this.db.prepare('UPDATE claim_tokens SET used_at = ? WHERE digest = ?').run(now, tokenDigest(token));
      const username = this.upsertNode(row.site, row.node, row.kind, row.room, hash, mqHash, now);
      return { username, site: row.site, node: row.node, kind: row.kind, room: row.room };
    });
    return { ...burn.immediate(), password };
  }

  /**
   * Enrols a node directly (no claim token): for the pilot and for scripted installs. With `password` it is
   * idempotent (the stored hash is kept when it already matches); without, a fresh password is issued.
   */
  async provisionNode(options: {
    site: string;
    node: string;
    kind: NodeKind;
    room?: string | null;
    password?: string;
  }): Promise<Credentials> {
    const room = options.room ?? null;
    this.checkNodePlace(options.site, options.node, options.kind, room);
    const username = nodeUsername(options.site, options.node);
    const password = options.password ?? randomSecret();
    const current = this.accountRecord(username);
    if (
      current &&
      current.revoked_at === null &&
      options.password !== undefined &&
      (await verifyPassword(password, current.password_hash))
    ) {
      this.db
        .prepare('UPDATE nodes SET kind = ?, room = ? WHERE site = ? AND node = ?')
        .run(options.kind, room, options.site, options.node);
      return { username, password };
    }
    const [hash, mqHash] = [await hashPassword(password), mosquittoHash(password)];
    this.db.transaction(() => this.upsertNode(options.site, options.node, options.kind, room, hash, mqHash, Date.now())).immediate();
    return { username, password };
  }

  private upsertNode(site: string, node: string, kind: NodeKind, room: string | null, hash: string, mqHash: string, now: number): string {
    const username = nodeUsername(site, node);
    this.upsertAccount(username, 'node', site, node, hash, mqHash, now);
    this.db
      .prepare(
        `INSERT INTO nodes (site, node, kind, room, username) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (site, node) DO UPDATE SET kind = excluded.kind, room = excluded.room`,
      )
      .run(site, node, kind, room, username);
    return username;
  }

  private upsertAccount(
    username: string,
    role: Role,
    site: string | null,
    node: string | null,
    hash: string,
    mqHash: string,
    now: number,
  ): void {
    this.db
      .prepare(
        `INSERT INTO accounts (username, role, site, node, password_hash, mosquitto_hash, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (username) DO UPDATE SET role = excluded.role, password_hash = excluded.password_hash,
           mosquitto_hash = excluded.mosquitto_hash, generation = generation + 1, revoked_at = NULL`,
      )
      .run(username, role, site, node, hash, mqHash, now);
  }

  /** The ops-center's service account or an operator's read-only account; idempotent when `password` is given. */
  async ensureServiceAccount(options: { username: string; role: 'service' | 'operator'; password?: string }): Promise<Credentials> {
    const { username, role } = options;
    if (!USERNAME.test(username) || /^[a-z0-9][a-z0-9-]*\.[a-z0-9][a-z0-9-]*$/.test(username))
      throw new RegistryError(`service username "${username}" must match [a-z0-9][a-z0-9._-]* and not look like a node's site.node`);
    if (role !== 'service' && role !== 'operator') throw new RegistryError(`role "${role}" must be service or operator`);
    const password = options.password ?? randomSecret();
    const current = this.accountRecord(username);
    if (current && current.role !== role && current.role === 'node') throw new RegistryError(`"${username}" is a node account`);
    if (
      current &&
      current.role === role &&
      current.revoked_at === null &&
      options.password !== undefined &&
      (await verifyPassword(password, current.password_hash))
    )
      return { username, password };
    const [hash, mqHash] = [await hashPassword(password), mosquittoHash(password)];
    this.upsertAccount(username, role, null, null, hash, mqHash, Date.now());
    return { username, password };
  }

  /** A new password for an account; connections using the old one are closed by the broker. */
  async rotate(username: string): Promise<Credentials> {
    const current = this.accountRecord(username);
    if (!current) throw new RegistryError(`no account "${username}"`);
    const password = randomSecret();
    const [hash, mqHash] = [await hashPassword(password), mosquittoHash(password)];
    this.db
      .prepare(
        'UPDATE accounts SET password_hash = ?, mosquitto_hash = ?, generation = generation + 1, revoked_at = NULL WHERE username = ?',
      )
      .run(hash, mqHash, username);
    return { username, password };
  }

  revoke(username: string, now = Date.now()): void {
    const result = this.db.prepare('UPDATE accounts SET revoked_at = ? WHERE username = ? AND revoked_at IS NULL').run(now, username);
    if (result.changes === 0 && !this.accountRecord(username)) throw new RegistryError(`no account "${username}"`);
  }

  private accountRecord(username: string): AccountRecord | undefined {
    return this.db.prepare('SELECT * FROM accounts WHERE username = ?').get(username) as AccountRecord | undefined;
  }

  account(username: string): Account | undefined {
    const row = this.accountRecord(username);
    return row ? toAccount(row) : undefined;
  }

  /** The account when the password matches and it is not revoked; otherwise undefined. */
  async authenticate(username: string, password: string, now = Date.now()): Promise<Account | undefined> {
    const row = this.accountRecord(username);
    if (!row || row.revoked_at !== null) return undefined;
    const digest = createHmac('sha256', this.loginKey).update(password).digest();
    const recent = this.recentLogins.get(username);
    if (recent && recent.hash === row.password_hash && now - recent.at < Registry.LOGIN_CACHE_MS && timingSafeEqual(recent.digest, digest))
      return toAccount(row);
    if (!(await verifyPassword(password, row.password_hash))) return undefined;
    if (this.recentLogins.size >= 100_000) this.recentLogins.clear();
    this.recentLogins.set(username, { digest, hash: row.password_hash, at: now });
    return toAccount(row);
  }

  touchNode(username: string, now = Date.now()): void {
    this.db.prepare('UPDATE nodes SET last_seen = ? WHERE username = ?').run(now, username);
  }

  listNodes(): NodeRow[] {
    return (
      this.db
        .prepare(
          `SELECT n.site, n.node, n.kind, n.room, n.username, n.last_seen AS lastSeen, a.revoked_at IS NOT NULL AS revoked
           FROM nodes n JOIN accounts a ON a.username = n.username ORDER BY n.site, n.node`,
        )
        .all() as (Omit<NodeRow, 'revoked'> & { revoked: number })[]
    ).map((row) => ({ ...row, revoked: row.revoked === 1 }));
  }

  /** Every live account with its Mosquitto hash, for `export mosquitto`. */
  mosquittoAccounts(): (Account & { mosquittoHash: string })[] {
    return (this.db.prepare('SELECT * FROM accounts WHERE revoked_at IS NULL ORDER BY username').all() as AccountRecord[]).map((row) => ({
      ...toAccount(row),
      mosquittoHash: row.mosquitto_hash,
    }));
  }
}
