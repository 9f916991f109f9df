import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Center, Course, Dossier, IntakeKind, Procedure } from './schema.js';
import { SEED_CENTERS, seedCourses, seedProcedures } from './seed.js';

/** The content API's own SQLite file: catalog tables, imported dossier statuses, and the intake of kiosk records. */
export function openContentDb(path: string, { seed = true } = {}): Database.Database {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.exec(`
    CREATE TABLE IF NOT EXISTS content_centers (id TEXT PRIMARY KEY, json TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS content_courses (id TEXT PRIMARY KEY, json TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS content_procedures (id TEXT PRIMARY KEY, json TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS content_dossiers (code TEXT PRIMARY KEY, json TEXT NOT NULL, imported_at INTEGER NOT NULL);
    CREATE TABLE IF NOT EXISTS content_intake (
      key TEXT PRIMARY KEY, kind TEXT NOT NULL, payload TEXT NOT NULL, received_at INTEGER NOT NULL);
  `);
  const empty = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM content_courses').get()!.n === 0;
  if (seed && empty) replaceCatalog(db, { centers: SEED_CENTERS, courses: seedCourses(), procedures: seedProcedures() });
  return db;
}

export function replaceCatalog(db: Database.Database, catalog: { centers: Center[]; courses: Course[]; procedures: Procedure[] }): void {
  db.transaction(() => {
    for (const [table, rows] of [
      ['content_centers', catalog.centers],
      ['content_courses', catalog.courses],
      ['content_procedures', catalog.procedures],
    ] as const) {
      db.exec(`DELETE FROM ${table}`);
      const insert = db.prepare(`INSERT INTO ${table} (id, json) VALUES (?, ?)`);
      for (const row of rows) insert.run(row.id, JSON.stringify(row));
    }
  })();
}

export function readCatalog(db: Database.Database): { centers: Center[]; courses: Course[]; procedures: Procedure[] } {
  const all = <T>(table: string) =>
    db
      .prepare<[], { json: string }>(`SELECT json FROM ${table} ORDER BY id`)
      .all()
      .map((row) => JSON.parse(row.json) as T);
  return {
    centers: all<Center>('content_centers'),
    courses: all<Course>('content_courses'),
    procedures: all<Procedure>('content_procedures'),
  };
}

/** Stores an intake record once per key; an enrolment takes a seat. Returns false for a repeat of a known key. */
export function storeIntake(db: Database.Database, kind: IntakeKind, key: string, payload: unknown, now = Date.now()): boolean {
  return db.transaction(() => {
    const inserted = db
      .prepare('INSERT OR IGNORE INTO content_intake (key, kind, payload, received_at) VALUES (?, ?, ?, ?)')
      .run(key, kind, JSON.stringify(payload), now).changes;
    if (inserted === 1 && kind === 'enrolment') {
      db.prepare(
        `UPDATE content_courses SET json = json_set(json, '$.seatsLeft', max(json_extract(json, '$.seatsLeft') - 1, 0))
         WHERE id = ?`,
      ).run((payload as { courseId: string }).courseId);
    }
    return inserted === 1;
  })();
}

export function upsertDossiers(db: Database.Database, dossiers: Dossier[], now = Date.now()): number {
  const upsert = db.prepare(
    'INSERT INTO content_dossiers (code, json, imported_at) VALUES (?, ?, ?) ON CONFLICT(code) DO UPDATE SET json = excluded.json, imported_at = excluded.imported_at',
  );
  db.transaction(() => {
    for (const dossier of dossiers) upsert.run(dossier.code, JSON.stringify(dossier), now);
  })();
  return dossiers.length;
}
