import type Database from 'better-sqlite3';
import type { IntakeKind, IntakePayload } from '../content/schema.js';
import type { IntakeRecord, Store } from '../store/store.js';

type CourseCenter = (courseId: string) => { id: string; name: string } | undefined;

/** The course's center, from the content catalog (an enrolment counts for the center that holds the course). */
export function courseCenters(db: Database.Database): CourseCenter {
  const query = db.prepare<[string], { id: string; name: string }>(
    `SELECT c.id AS id, json_extract(c.json, '$.name') AS name FROM content_courses k
     JOIN content_centers c ON c.id = json_extract(k.json, '$.centerId') WHERE k.id = ?`,
  );
  return (courseId) => query.get(courseId);
}

/** What statistics keep of an intake record: kind, key, kiosk, center, time and one figure — no personal data. */
export function intakeStat(kind: IntakeKind, payload: IntakePayload, courseCenter: CourseCenter): IntakeRecord {
  const base = { kind, key: payload.key, ts: payload.createdAt, ...(payload.kiosk ? { kiosk: payload.kiosk } : {}) };
  switch (kind) {
    case 'enrolment': {
      const { courseId } = payload as Extract<IntakePayload, { courseId: string }>;
      const center = courseCenter(courseId);
      return { ...base, data: { courseId }, ...(center ? { center: center.id, centerName: center.name } : {}) };
    }
    case 'rating':
      return { ...base, data: { score: (payload as Extract<IntakePayload, { score: number }>).score } };
    case 'feedback':
      return { ...base, data: { topic: (payload as Extract<IntakePayload, { topic: string }>).topic } };
    case 'session':
      return { ...base, data: { searches: (payload as Extract<IntakePayload, { searches: number }>).searches } };
  }
}

/**
 * Copies into the store every intake record it does not have yet: the records received before the ops-center
 * counted them, or while the store refused. Idempotent on `(kind, key)`, so it runs at every start.
 */
export async function backfillIntake(db: Database.Database, store: Store, batch = 500): Promise<number> {
  const centers = courseCenters(db);
  const rows = db.prepare<[], { kind: IntakeKind; payload: string }>('SELECT kind, payload FROM content_intake ORDER BY rowid').all();
  let pending: IntakeRecord[] = [];
  let added = 0;
  for (const row of rows) {
    pending.push(intakeStat(row.kind, JSON.parse(row.payload) as IntakePayload, centers));
    if (pending.length >= batch) {
      added += await store.recordIntake(pending);
      pending = [];
    }
  }
  return added + (await store.recordIntake(pending));
}
