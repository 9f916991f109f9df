import type { CmdPayload, CmdResultPayload } from '@lophoc/protocol';
import type { Logger } from '@lophoc/scripts/logger';
import Database from 'better-sqlite3';

/** What the processor needs from a device to run a command; the agent builds it from the device's driver and profile. */
export interface CommandTarget {
  /** An error message when the method or its parameters do not match the device profile; undefined when valid. */
  validate(method: string, params: Record<string, unknown>): string | undefined;
  execute(method: string, params: Record<string, unknown>): Promise<unknown>;
}

export interface CommandProcessorOptions {
  /** SQLite file remembering every command id and its result. */
  file: string;
  resolve(device: string): CommandTarget | undefined;
  publish(result: CmdResultPayload): boolean;
  log: Logger;
  now?: () => number;
  /** Command ids are remembered this long, well past any TTL (default 7 days). */
  keepMs?: number;
}

export interface CommandStats {
  executed: number;
  refused: number;
  expired: number;
  replayed: number;
}

/**
 * Runs commands from the node's `cmd` topic (DESIGN §3, §5): refuses expired ones rather than executing them
 * late, validates them against the device profile, executes each command id at most once (a redelivered or
 * replayed command gets the stored result again), and publishes every result. A command is recorded before it
 * runs, so one interrupted by a crash is reported failed after the restart, never run twice.
 */
export class CommandProcessor {
  readonly stats: CommandStats = { executed: 0, refused: 0, expired: 0, replayed: 0 };
  private readonly db: Database.Database;
  private readonly sql;
  private readonly now: () => number;

  constructor(private readonly options: CommandProcessorOptions) {
    this.now = options.now ?? Date.now;
    this.db = new Database(options.file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS commands (
        id TEXT PRIMARY KEY,
        device TEXT NOT NULL,
        method TEXT NOT NULL,
        received_at INTEGER NOT NULL,
        result TEXT,
        published INTEGER NOT NULL DEFAULT 0
      );
    `);
    this.sql = {
      find: this.db.prepare<[string], { result: string | null }>('SELECT result FROM commands WHERE id = ?'),
      claim: this.db.prepare('INSERT INTO commands (id, device, method, received_at) VALUES (?, ?, ?, ?)'),
      finish: this.db.prepare('UPDATE commands SET result = ?, published = ? WHERE id = ?'),
      markPublished: this.db.prepare('UPDATE commands SET published = 1 WHERE id = ?'),
      unpublished: this.db.prepare<[], { id: string; result: string }>(
        'SELECT id, result FROM commands WHERE result IS NOT NULL AND published = 0',
      ),
      interrupted: this.db.prepare<[], { id: string }>('SELECT id FROM commands WHERE result IS NULL'),
      forget: this.db.prepare('DELETE FROM commands WHERE received_at < ?'),
    };
    for (const { id } of this.sql.interrupted.all()) {
      this.finish(id, { ok: false, error: 'interrupted by a gateway restart; not run again' });
    }
    this.sql.forget.run(this.now() - (options.keepMs ?? 7 * 24 * 3600_000));
  }

  async handle(command: CmdPayload): Promise<CmdResultPayload> {
    const known = this.sql.find.get(command.id);
    if (known) {
      this.stats.replayed++;
      if (known.result === null) return this.result(command.id, { ok: false, error: 'already running' });
      const stored = JSON.parse(known.result) as CmdResultPayload;
      this.options.publish(stored);
      return stored;
    }
    this.sql.claim.run(command.id, command.device, command.method, this.now());
    if (command.expiresAt <= this.now()) {
      this.stats.expired++;
      return this.finish(command.id, { ok: false, error: `expired at ${new Date(command.expiresAt).toISOString()}; not executed` });
    }
    const target = this.options.resolve(command.device);
    if (!target) {
      this.stats.refused++;
      return this.finish(command.id, { ok: false, error: `unknown device "${command.device}" on this gateway` });
    }
    const invalid = target.validate(command.method, command.params);
    if (invalid) {
      this.stats.refused++;
      return this.finish(command.id, { ok: false, error: invalid });
    }
    try {
      const value = await target.execute(command.method, command.params);
      this.stats.executed++;
      return this.finish(command.id, { ok: true, ...(value === undefined ? {} : { result: value }) });
    } catch (error) {
      this.stats.executed++;
      return this.finish(command.id, { ok: false, error: (error as Error).message.slice(0, 500) });
    }
  }

  /** Publishes results that could not be published while offline; call after each (re)connect. */
  flush(): void {
    for (const row of this.sql.unpublished.all()) {
      if (this.options.publish(JSON.parse(row.result) as CmdResultPayload)) this.sql.markPublished.run(row.id);
    }
  }

  close(): void {
    this.db.close();
  }

  private result(id: string, outcome: { ok: boolean; result?: unknown; error?: string }): CmdResultPayload {
    return { v: 1, id, ts: this.now(), ...outcome };
  }

  private finish(id: string, outcome: { ok: boolean; result?: unknown; error?: string }): CmdResultPayload {
    const result = this.result(id, outcome);
    const published = this.options.publish(result);
    this.sql.finish.run(JSON.stringify(result), published ? 1 : 0, id);
    if (!result.ok) this.options.log.info({ command: id, error: result.error }, 'command not done');
    return result;
  }
}
