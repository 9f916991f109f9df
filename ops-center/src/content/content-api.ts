import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { z } from 'zod';
import { openContentDb, readCatalog, storeIntake } from './content-db.js';
import { type DossierAdapter, LocalTableDossierAdapter } from './dossier-adapter.js';
import { type IntakeKind, type IntakePayload, intakeSchemas } from './schema.js';

export interface ContentApiOptions {
  /** The content SQLite file (created and seeded on first use), or an open database. */
  db: string | Database.Database;
  /** Route prefix; kiosks are configured with the resulting URL. */
  prefix?: string;
  /** Where dossier statuses come from; defaults to the local table filled by `import-dossiers`. */
  dossiers?: DossierAdapter;
  /** Fill an empty database with the pilot seed data (default true). */
  seed?: boolean;
  /**
   * Called with every accepted intake record, new or repeated (so a repeat heals a call that failed before);
   * the ops-center counts them in its kiosk statistics. If it throws, the kiosk is told to try again (503).
   */
  onIntake?: (kind: IntakeKind, record: IntakePayload, db: Database.Database) => Promise<void>;
}

/** Thông tư 01/2018/TT-VPCP Điều 19 receipt code shape: `<agency code>-YYMMDD-XXXX`. */
const RECEIPT_CODE = /^[A-Z0-9]{1,8}(\.[A-Z0-9]{1,8}){1,5}-\d{6}-\d{4}$/;

function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`).join('; ');
}

/**
 * The kiosk content API as a fastify plugin:
 *   GET  {prefix}/catalog                 centers, courses, procedures (ETag; 304 when unchanged)
 *   GET  {prefix}/courses/:id             one course with its current seats
 *   GET  {prefix}/dossiers/:code          dossier status through the adapter (400 bad shape, 404 unknown, 503 source down)
 *   POST {prefix}/intake/:kind            enrolment | feedback | rating | session; idempotent on `key` (201 new, 200 repeat)
 */
export async function registerContentApi(app: FastifyInstance, options: ContentApiOptions): Promise<{ db: Database.Database }> {
  const { prefix = '/api/content/v1', seed = true } = options;
  const ownsDb = typeof options.db === 'string';
  const db = typeof options.db === 'string' ? openContentDb(options.db, { seed }) : options.db;
  const dossiers = options.dossiers ?? new LocalTableDossierAdapter(db);
  if (ownsDb) app.addHook('onClose', async () => db.close());

  const notFound = (reply: FastifyReply, what: string) => reply.code(404).send({ error: `${what} not found` });

  app.get(`${prefix}/catalog`, async (request, reply) => {
    const catalog = readCatalog(db);
    const body = JSON.stringify({ ...catalog, generatedAt: Date.now() });
    const etag = `"${createHash('sha1').update(JSON.stringify(catalog)).digest('base64url')}"`;
    if (request.headers['if-none-match'] === etag) return reply.code(304).header('etag', etag).send();
    return reply.header('etag', etag).type('application/json; charset=utf-8').send(body);
  });

  app.get<{ Params: { id: string } }>(`${prefix}/courses/:id`, async (request, reply) => {
    const row = db.prepare<[string], { json: string }>('SELECT json FROM content_courses WHERE id = ?').get(request.params.id);
    return row ? reply.type('application/json; charset=utf-8').send(row.json) : notFound(reply, 'course');
  });

  app.get<{ Params: { code: string } }>(`${prefix}/dossiers/:code`, async (request, reply) => {
    const code = request.params.code.trim().toUpperCase();
    if (!RECEIPT_CODE.test(code))
      return reply.code(400).send({ error: 'receipt code must look like <agency code>-YYMMDD-XXXX (Thông tư 01/2018/TT-VPCP)' });
    let dossier: Awaited<ReturnType<DossierAdapter['lookup']>>;
    try {
      dossier = await dossiers.lookup(code);
    } catch (error) {
      request.log.warn({ adapter: dossiers.name, err: (error as Error).message }, 'dossier source unavailable');
      return reply.code(503).send({ error: 'dossier source unavailable' });
    }
    return dossier ? dossier : notFound(reply, 'dossier');
  });

  app.post<{ Params: { kind: string } }>(`${prefix}/intake/:kind`, async (request, reply) => {
    const kind = request.params.kind;
    if (!(kind in intakeSchemas)) return reply.code(404).send({ error: `unknown intake kind "${kind}"` });
    const schema = intakeSchemas[kind as keyof typeof intakeSchemas];
    const parsed = schema.safeParse(request.body);
    if (!parsed.success) return reply.code(400).send({ error: describeIssues(parsed.error) });
    if (kind === 'enrolment') {
      const courseId = (parsed.data as { courseId: string }).courseId;
      if (!db.prepare('SELECT 1 FROM content_courses WHERE id = ?').get(courseId))
        return reply.code(422).send({ error: `courseId: no course "${courseId}"` });
    }
    if (kind === 'rating') {
      // A rating is tied to a dossier: refuse one for a code the source says does not exist. If the source is
      // down the rating is kept (it came from a kiosk that had just looked the dossier up).
      const rating = parsed.data as { dossierCode: string };
      rating.dossierCode = rating.dossierCode.trim().toUpperCase();
      const known = await dossiers.lookup(rating.dossierCode).then(
        (dossier) => dossier !== undefined,
        () => true,
      );
      if (!known) return reply.code(422).send({ error: `dossierCode: no dossier "${rating.dossierCode}"` });
    }
    const created = storeIntake(db, kind as IntakeKind, parsed.data.key, parsed.data);
    if (options.onIntake) {
      try {
        await options.onIntake(kind as IntakeKind, parsed.data, db);
      } catch (error) {
        request.log.error({ kind, err: (error as Error).message }, 'intake record not counted');
        return reply.code(503).send({ error: 'intake stored but not yet counted; send it again' });
      }
    }
    return reply.code(created ? 201 : 200).send({ key: parsed.data.key, stored: created ? 'new' : 'already' });
  });

  return { db };
}
