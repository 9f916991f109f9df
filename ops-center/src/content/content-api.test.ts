import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerContentApi } from './content-api.js';
import { parseDossierCsv } from './import-dossiers.js';
import { centerSchema, courseSchema, procedureSchema } from './schema.js';

const run = promisify(execFile);
const CSV = `code,procedureTitle,status,receivedAt,dueAt,updatedAt,note
000.25.30.H29-261120-0012,Chuyển trường đối với học sinh trung học cơ sở,processing,2026-11-20,2026-11-25,2026-11-21,
000.25.30.H29-261121-0003,"Cấp bản sao văn bằng, chứng chỉ từ sổ gốc",ready,2026-11-21,2026-11-28,2026-11-26,"Mang theo CCCD khi nhận"
`;

describe('kiosk content API', () => {
  let dir: string;
  let app: FastifyInstance;
  let base: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lophoc-content-'));
    const csv = join(dir, 'dossiers.csv');
    await writeFile(csv, CSV);
    // The real import command, as an operator runs it.
    const { stdout } = await run(process.execPath, [
      '--import',
      'tsx',
      join(import.meta.dirname, 'import-dossiers-main.ts'),
      join(dir, 'content.db'),
      csv,
    ]);
    expect(stdout).toContain('2 dossier(s) imported');
    app = Fastify();
    await registerContentApi(app, { db: join(dir, 'content.db') });
    base = `${await app.listen({ port: 0, host: '127.0.0.1' })}/api/content/v1`;
  });
  afterAll(async () => {
    await app?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves the seeded catalog: ≥200 valid courses in the three wards, ≥30 procedures, all NFC', async () => {
    const response = await fetch(`${base}/catalog`);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toBe(text.normalize('NFC'));
    const catalog = JSON.parse(text) as {
      centers: unknown[];
      courses: { ward: string; category: string; centerId: string }[];
      procedures: unknown[];
    };
    expect(catalog.courses.length).toBeGreaterThanOrEqual(200);
    expect(catalog.procedures.length).toBeGreaterThanOrEqual(30);
    for (const course of catalog.courses) courseSchema.parse(course);
    for (const procedure of catalog.procedures) procedureSchema.parse(procedure);
    for (const center of catalog.centers) centerSchema.parse(center);
    expect(new Set(catalog.courses.map((c) => c.ward))).toEqual(new Set(['Chợ Quán', 'An Đông', 'Chợ Lớn']));
    expect(new Set(catalog.courses.map((c) => c.centerId)).size).toBe(catalog.centers.length);
    const again = await fetch(`${base}/catalog`, { headers: { 'if-none-match': response.headers.get('etag')! } });
    expect(again.status).toBe(304);
  });

  it('looks dossiers up by receipt code, refusing the wrong shape', async () => {
    const found = await fetch(`${base}/dossiers/000.25.30.h29-261121-0003`);
    expect(await found.json()).toMatchObject({
      status: 'ready',
      procedureTitle: 'Cấp bản sao văn bằng, chứng chỉ từ sổ gốc',
      note: 'Mang theo CCCD khi nhận',
    });
    expect((await fetch(`${base}/dossiers/000.25.30.H29-261121-0999`)).status).toBe(404);
    const bad = await fetch(`${base}/dossiers/abc`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toContain('YYMMDD');
  });

  it('takes an enrolment once per key and counts the seat once', async () => {
    const seats = async () => ((await (await fetch(`${base}/courses/kh-001`)).json()) as { seatsLeft: number }).seatsLeft;
    const before = await seats();
    const enrolment = {
      key: 'enrol-test-0001',
      courseId: 'kh-001',
      fullName: 'Lê Thị Hồng',
      phone: '0901234567',
      consent: true,
      createdAt: Date.now(),
    };
    const post = () =>
      fetch(`${base}/intake/enrolment`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(enrolment),
      });
    expect((await post()).status).toBe(201);
    expect((await post()).status).toBe(200);
    expect(await seats()).toBe(Math.max(before - 1, 0));
  });

  it('takes a rating only for a dossier that exists', async () => {
    const rate = (dossierCode: string, key: string) =>
      fetch(`${base}/intake/rating`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ key, dossierCode, score: 4, createdAt: Date.now() }),
      });
    expect((await rate('000.25.30.h29-261121-0003', 'rating-test-01')).status).toBe(201);
    const unknown = await rate('000.25.30.H29-261121-0999', 'rating-test-02');
    expect(unknown.status).toBe(422);
    expect(((await unknown.json()) as { error: string }).error).toContain('dossierCode');
  });

  it('refuses bad intake naming the field', async () => {
    const response = await fetch(`${base}/intake/enrolment`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ key: 'enrol-test-0002', courseId: 'kh-001', fullName: 'A', phone: '12', consent: false, createdAt: 1 }),
    });
    expect(response.status).toBe(400);
    const { error } = (await response.json()) as { error: string };
    expect(error).toContain('phone');
    expect(error).toContain('consent');
    expect(
      (await fetch(`${base}/intake/complaint`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } })).status,
    ).toBe(404);
  });

  it('the import refuses a bad file, naming line and field, and imports nothing', () => {
    expect(() => parseDossierCsv(`${CSV}000.25.30.H29-261122-0001,X,lost,2026-11-22,2026-11-30,2026-11-22,\n`, 'd.csv')).toThrow(
      /d\.csv:4: status/,
    );
    expect(() => parseDossierCsv('code,status\n', 'd.csv')).toThrow(/d\.csv:1: missing column\(s\) procedureTitle/);
  });
});
