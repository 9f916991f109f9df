import { MAX_SESSION_SEARCHES, type Submission } from '../shared/content.js';

/**
 * The kiosk's own check before a submission enters the outbox, so a citizen hears about a wrong phone number
 * at once instead of the record being refused later by the content API. Mirrors the API's rules.
 */
export function checkSubmission(body: unknown): { ok: true; submission: Submission } | { ok: false; reason: 'invalid'; field: string } {
  const invalid = (field: string) => ({ ok: false as const, reason: 'invalid' as const, field });
  if (typeof body !== 'object' || body === null) return invalid('body');
  const { kind, key, data } = body as { kind?: unknown; key?: unknown; data?: Record<string, unknown> };
  if (typeof key !== 'string' || !/^[A-Za-z0-9_-]{8,80}$/.test(key)) return invalid('key');
  if (typeof data !== 'object' || data === null) return invalid('data');
  const text = (value: unknown, max: number) => typeof value === 'string' && value.trim().length > 0 && value.length <= max;
  if (kind === 'enrolment') {
    if (!text(data.courseId, 63)) return invalid('courseId');
    if (!text(data.fullName, 100)) return invalid('fullName');
    if (typeof data.phone !== 'string' || !/^0\d{9,10}$/.test(data.phone)) return invalid('phone');
    if (data.consent !== true) return invalid('consent');
    if (data.cccdNumber !== undefined && !/^\d{12}$/.test(String(data.cccdNumber))) return invalid('cccdNumber');
  } else if (kind === 'feedback') {
    if (!['course', 'procedure', 'kiosk', 'other'].includes(String(data.topic))) return invalid('topic');
    if (!text(data.message, 2000)) return invalid('message');
  } else if (kind === 'rating') {
    if (!text(data.dossierCode, 60)) return invalid('dossierCode');
    if (!Number.isInteger(data.score) || (data.score as number) < 1 || (data.score as number) > 5) return invalid('score');
  } else if (kind === 'session') {
    const { searches } = data;
    if (!Number.isInteger(searches) || (searches as number) < 0 || (searches as number) > MAX_SESSION_SEARCHES) return invalid('searches');
  } else return invalid('kind');
  const normalized = Object.fromEntries(
    Object.entries(data).map(([name, value]) => [name, typeof value === 'string' ? value.trim().normalize('NFC') : value]),
  );
  return { ok: true, submission: { kind, key, data: normalized } as unknown as Submission };
}
