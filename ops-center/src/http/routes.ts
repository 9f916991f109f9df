import type { FastifyInstance } from 'fastify';
import { parseRules, RuleError } from '../alerts/rules.js';
import { attendanceByRoom, attendanceCsv, CARD_EVENT_TYPES, SESSION_EVENT_TYPES } from '../attendance/attendance.js';
import { addUser, ROLES } from '../auth/users.js';
import { CommandError } from '../commands/commands.js';
import { dayWindow, localDay } from '../fleet/days.js';
import { parseSites } from '../fleet/sites-file.js';
import { fleetTree } from '../fleet/tree.js';
import { KIOSK_SEARCH_EVENTS, KIOSK_SESSION_EVENTS, kioskStatistics } from '../kiosk/statistics.js';
import type { CommandStatus, Resolution } from '../store/store.js';
import { requireRole } from './auth.js';
import type { OpsContext } from './context.js';
import { frameOf } from './live.js';
import { BadRequest, idParam, timeParam } from './query.js';

type Query = { Querystring: Record<string, string | undefined> };
const viewer = { preHandler: requireRole('viewer') };
const operator = { preHandler: requireRole('operator') };
const admin = { preHandler: requireRole('admin') };
const READING = /^[a-z][a-z0-9_]{0,62}$/;

function day(value: string | undefined, field: string, fallback: string): { from: number; to: number; day: string } {
  const text = value ?? fallback;
  try {
    return { ...dayWindow(text, undefined, field), day: text };
  } catch (error) {
    throw new BadRequest((error as Error).message);
  }
}

/** The operator API; OpenAPI in ./openapi.ts lists the same routes (a test keeps them in step). */
export function registerRoutes(app: FastifyInstance, context: OpsContext): void {
  const { store, ingest, alerts, commands, live, now } = context;
  const who = (request: { operator?: { username: string } }) => request.operator!.username;

  app.get('/api/latest', viewer, async () => store.latest());
  app.get('/api/nodes', viewer, async () => store.nodes());
  app.get('/api/fleet', viewer, async () => fleetTree(await store.sites(), await store.nodes()));
  app.get<Query>('/api/gaps', viewer, async (request) =>
    store.gaps(idParam(request.query.site, 'site', true), idParam(request.query.node, 'node', true)),
  );
  app.get<Query>('/api/series', viewer, async (request) => {
    const { site, node, device, name, from, to, resolution = 'raw' } = request.query;
    const ids = { site: idParam(site, 'site'), node: idParam(node, 'node'), device: idParam(device, 'device') };
    if (!name || !READING.test(name)) throw new BadRequest('query parameter "name" must be a reading name');
    if (!['raw', '1m', '1h'].includes(resolution)) throw new BadRequest('query parameter "resolution" must be raw, 1m or 1h');
    return store.series({ ...ids, name, from: timeParam(from, 'from'), to: timeParam(to, 'to'), resolution: resolution as Resolution });
  });
  /** Server-sent events: a snapshot of the readings, then every change as it happens. */
  app.get('/api/live', viewer, async (request, reply) => {
    const snapshot = frameOf('latest', await store.latest());
    reply.hijack();
    reply.raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
    live.add(reply.raw, snapshot);
    request.raw.on('close', () => reply.raw.end());
  });

  app.get('/api/sites', viewer, async () => store.sites());
  app.put<{ Body: unknown }>('/api/sites', admin, async (request) => {
    let sites: ReturnType<typeof parseSites>;
    try {
      sites = parseSites(request.body, 'sites');
    } catch (error) {
      throw new BadRequest((error as Error).message);
    }
    await store.upsertSites(sites);
    await store.audit({ ts: now(), user: who(request), action: 'sites-update', target: `${sites.length} sites` });
    live.fleetChanged();
    return { updated: sites.length };
  });

  app.get<Query>('/api/alerts', viewer, async (request) => {
    const { active } = request.query;
    if (active !== undefined && active !== 'true' && active !== 'false')
      throw new BadRequest('query parameter "active" must be true or false');
    return store.alerts({ ...(active ? { active: active === 'true' } : {}) });
  });
  app.post<{ Params: { id: string } }>('/api/alerts/:id/ack', operator, async (request, reply) => {
    const id = Number(request.params.id);
    if (!Number.isInteger(id) || id <= 0) throw new BadRequest('alert id must be a positive integer');
    const before = await store.alert(id);
    if (!before) return reply.code(404).send({ error: `no alert ${id}` });
    if (before.ackedAt) return reply.code(409).send({ error: `alert ${id} was already acknowledged by ${before.ackedBy}` });
    const alert = await alerts.acknowledge(id, who(request), now());
    await store.audit({
      ts: now(),
      user: who(request),
      action: 'alert-ack',
      target: `alert ${id}`,
      detail: { rule: before.rule, target: before.target },
    });
    return alert;
  });
  app.get('/api/alert-rules', viewer, async () => alerts.activeRules);
  app.put<{ Body: unknown }>('/api/alert-rules', admin, async (request) => {
    // A metric is known once any node declared it in a birth message or reported it.
    const known = new Set([...(await store.readingNames()), ...(await store.latest()).map((value) => value.name)]);
    let rules: ReturnType<typeof parseRules>;
    try {
      rules = parseRules(request.body, known);
    } catch (error) {
      if (error instanceof RuleError) throw new BadRequest(error.message);
      throw error;
    }
    await alerts.setRules(rules, now());
    await store.audit({ ts: now(), user: who(request), action: 'alert-rules-update', target: `${rules.length} rules` });
    return rules;
  });

  app.get<Query>('/api/commands', viewer, async (request) => {
    const { status, site, node } = request.query;
    const statuses = status ? (status.split(',') as CommandStatus[]) : undefined;
    if (statuses?.some((s) => !['queued', 'sent', 'done', 'failed', 'expired'].includes(s))) {
      throw new BadRequest('query parameter "status" must list queued, sent, done, failed or expired');
    }
    return store.commands({
      ...(statuses ? { status: statuses } : {}),
      site: idParam(site, 'site', true),
      node: idParam(node, 'node', true),
    });
  });
  app.get('/api/command-specs', viewer, async () => commands.specs);
  app.get('/api/screenshots', viewer, async () => store.screenshots());
  app.get<{ Params: { site: string; node: string } }>('/api/screenshots/:site/:node', viewer, async (request, reply) => {
    const site = idParam(request.params.site, 'site');
    const node = idParam(request.params.node, 'node');
    const shot = await store.screenshot(site, node);
    if (!shot) return reply.code(404).send({ error: `no screenshot of ${site}/${node} yet; send the kiosk a screenshot command` });
    return reply
      .type(shot.meta.mime)
      .header('cache-control', 'no-store')
      .header('last-modified', new Date(shot.meta.ts).toUTCString())
      .send(shot.image);
  });
  app.get<{ Params: { id: string } }>('/api/commands/:id', viewer, async (request, reply) => {
    const command = await store.command(request.params.id);
    return command ?? reply.code(404).send({ error: `no command ${request.params.id}` });
  });
  app.post<{ Body: Record<string, unknown> | null }>('/api/commands', operator, async (request, reply) => {
    const body = request.body;
    if (!body || typeof body !== 'object') throw new BadRequest('body must be a JSON object');
    try {
      const command = await commands.send(
        {
          site: body.site as string,
          node: body.node as string,
          device: body.device as string,
          method: body.method as string,
          params: (body.params ?? {}) as Record<string, unknown>,
          ttlSeconds: Number(body.ttlSeconds ?? 60),
        },
        who(request),
        now(),
      );
      await store.audit({
        ts: now(),
        user: who(request),
        action: 'command',
        target: `${command.site}/${command.node}/${command.device}`,
        detail: { id: command.id, method: command.method, params: command.params, status: command.status },
      });
      live.send('command', command);
      return reply.code(command.status === 'queued' ? 202 : 201).send(command);
    } catch (error) {
      if (error instanceof CommandError) return reply.code(error.statusCode).send({ error: error.message });
      throw error;
    }
  });

  app.get<Query>('/api/class-sessions', viewer, async (request) => {
    const window = day(request.query.day, 'day', localDay(now()));
    return store.classSessions({ site: idParam(request.query.site, 'site', true), from: window.from, to: window.to });
  });
  app.post<{ Body: Record<string, unknown> | null }>('/api/class-sessions', operator, async (request, reply) => {
    const { site, room, title, start, end } = request.body ?? {};
    idParam(site, 'site');
    if (typeof room !== 'string' || !room.trim()) throw new BadRequest('"room" must be the room name');
    if (typeof title !== 'string' || !title.trim()) throw new BadRequest('"title" must name the class');
    const from = timeParam(start, 'start');
    const until = timeParam(end, 'end');
    if (from === undefined || until === undefined || until <= from)
      throw new BadRequest('"start" and "end" must be ms since epoch, start before end');
    const session = await store.addClassSession({
      site: site as string,
      room: room.normalize('NFC'),
      title: title.normalize('NFC'),
      start: from,
      end: until,
    });
    await store.audit({
      ts: now(),
      user: who(request),
      action: 'class-session-add',
      target: `${session.site}/${session.room}`,
      detail: { id: session.id },
    });
    return reply.code(201).send(session);
  });
  const attendance = async (query: Record<string, string | undefined>) => {
    const window = day(query.day, 'day', localDay(now()));
    const site = idParam(query.site, 'site', true);
    const [events, nodes, sessions] = await Promise.all([
      store.events({ ...(site ? { site } : {}), types: [...CARD_EVENT_TYPES, ...SESSION_EVENT_TYPES], from: window.from, to: window.to }),
      store.nodes(),
      store.classSessions({ ...(site ? { site } : {}), from: window.from, to: window.to }),
    ]);
    return { day: window.day, rooms: attendanceByRoom(events, nodes, sessions) };
  };
  app.get<Query>('/api/attendance', viewer, async (request) => attendance(request.query));
  app.get<Query>('/api/attendance.csv', viewer, async (request, reply) => {
    const { day: date, rooms } = await attendance(request.query);
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="attendance-${date}.csv"`)
      .send(attendanceCsv(rooms));
  });

  app.get<Query>('/api/kiosk-stats', viewer, async (request) => {
    const today = localDay(now());
    const to = day(request.query.to, 'to', today);
    const from = day(request.query.from, 'from', localDay(to.from - 6 * 86_400_000));
    if (from.from > to.from) throw new BadRequest('"from" must not be after "to"');
    const [events, records, intake, nodes, sites] = await Promise.all([
      store.events({ types: [...KIOSK_SESSION_EVENTS, ...KIOSK_SEARCH_EVENTS], from: from.from, to: to.to }),
      store.kioskRecords({ from: from.from, to: to.to }),
      store.intakeRecords({ from: from.from, to: to.to }),
      store.nodes(),
      store.sites(),
    ]);
    const names = new Map(sites.map((site) => [site.id, site.name]));
    for (const record of intake) if (record.center && record.centerName) names.set(record.center, record.centerName);
    // A kiosk's HTTP records name its kiosk id, which is its node id when it is also a node of the fleet.
    const kioskSites = new Map<string, Set<string>>();
    for (const node of nodes) kioskSites.set(node.node, (kioskSites.get(node.node) ?? new Set()).add(node.site));
    const siteOfKiosk = (kiosk: string) => {
      const found = kioskSites.get(kiosk);
      return found?.size === 1 ? [...found][0] : undefined;
    };
    return kioskStatistics({ events, records, intake, siteOfKiosk, names });
  });

  app.get('/api/users', admin, async () => (await store.users()).map(({ passwordHash: _, ...user }) => user));
  app.post<{ Body: Record<string, unknown> | null }>('/api/users', admin, async (request, reply) => {
    const { username, role, password } = request.body ?? {};
    if (typeof username !== 'string' || typeof password !== 'string' || typeof role !== 'string') {
      throw new BadRequest(`body must be {"username", "password", "role": ${ROLES.join('|')}}`);
    }
    try {
      await addUser(store, username, role, password, now());
    } catch (error) {
      throw new BadRequest((error as Error).message);
    }
    await store.audit({ ts: now(), user: who(request), action: 'user-put', target: username, detail: { role } });
    return reply.code(201).send({ username, role });
  });
  app.get<Query>('/api/audit', admin, async (request) => store.auditLog(Number(request.query.limit ?? 500) || 500));

  app.get('/api/health', async () => ({ ok: true, mqtt: ingest.connected, ingest: ingest.stats }));
}
