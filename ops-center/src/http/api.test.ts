import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addUser } from '../auth/users.js';
import { openContentDb, SEED_CENTERS, seedCourses, upsertDossiers } from '../content/index.js';
import { type Harness, loginAs, type NodeClient, SITE, startHarness } from '../testing/harness.js';
import type { openApiDocument } from './openapi.js';

const PASSWORD = 'mật-khẩu-đủ-dài';
const sensors = [
  { id: 'co2-1', profile: 'senseair-s8', exposes: [{ name: 'co2', kind: 'reading' as const, unit: 'ppm' }] },
  { id: 'reader-1', profile: 'rdm6300', exposes: [{ name: 'card', kind: 'event' as const }] },
];
// 2026-11-28 in Hồ Chí Minh City (UTC+7): 07:30 and 09:00 local.
const at = (hours: number, minutes = 0) => Date.UTC(2026, 10, 28, hours - 7, minutes);

describe('ops-center HTTP API: accounts, roles, alerts, attendance, kiosk statistics, OpenAPI, metrics', () => {
  let h: Harness;
  let gw: NodeClient;
  let admin: Awaited<ReturnType<typeof loginAs>>;
  let viewer: Awaited<ReturnType<typeof loginAs>>;
  let operator: Awaited<ReturnType<typeof loginAs>>;

  beforeEach(async () => {
    h = await startHarness({ initialAdmin: { username: 'admin', password: PASSWORD } });
    await addUser(h.ops.store, 'lan', 'viewer', PASSWORD, Date.now());
    await addUser(h.ops.store, 'minh', 'operator', PASSWORD, Date.now());
    admin = await loginAs(h.ops.url, 'admin', PASSWORD);
    viewer = await loginAs(h.ops.url, 'lan', PASSWORD);
    operator = await loginAs(h.ops.url, 'minh', PASSWORD);
    gw = await h.connectNode();
    await gw.birth(sensors, 'Phòng 101');
    await gw.state(true);
    await expect.poll(async () => (await h.ops.store.nodes())[0]?.devices.length).toBe(2);
  });
  afterEach(async () => {
    await h.stop();
  });

  it('refuses a wrong login with one message for both cases, and requests without a session', async () => {
    for (const [username, password] of [
      ['admin', 'sai-mật-khẩu'],
      ['nobody', PASSWORD],
    ]) {
      const response = await fetch(`${h.ops.url}/api/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username, password }),
      });
      expect({ status: response.status, body: await response.json() }).toEqual({
        status: 401,
        body: { error: 'wrong username or password' },
      });
    }
    const anonymous = await fetch(`${h.ops.url}/api/latest`);
    expect({ status: anonymous.status, body: await anonymous.json() }).toEqual({ status: 401, body: { error: 'log in first' } });
    expect(await (await viewer('/api/me')).json()).toEqual({ username: 'lan', role: 'viewer' });
    const audit = (await (await admin('/api/audit')).json()) as { action: string; user: string }[];
    expect(
      audit
        .filter((entry) => entry.action === 'login-failed')
        .map((entry) => entry.user)
        .sort(),
    ).toEqual(['admin', 'nobody']);
  });

  it('locks out repeated failures for a while', async () => {
    const attempt = () =>
      fetch(`${h.ops.url}/api/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'lan', password: 'x' }),
      });
    for (let i = 0; i < 5; i++) expect((await attempt()).status).toBe(401);
    const locked = await attempt();
    expect(locked.status).toBe(429);
    expect(((await locked.json()) as { error: string }).error).toMatch(/^too many failed logins for lan; try again in \d+ min$/);
  });

  it('gives each role what it may do: viewers read, operators act, admins administer', async () => {
    expect((await viewer('/api/fleet')).status).toBe(200);
    const denied = await viewer('/api/commands', { method: 'POST', body: JSON.stringify({}) });
    expect({ status: denied.status, body: await denied.json() }).toEqual({
      status: 403,
      body: { error: 'this needs the operator role; lan is viewer' },
    });
    expect((await operator('/api/alert-rules', { method: 'PUT', body: '[]' })).status).toBe(403);
    expect((await operator('/api/users')).status).toBe(403);
    expect((await admin('/api/users')).status).toBe(200);
    const users = (await (await admin('/api/users')).json()) as object[];
    expect(users).toEqual(expect.arrayContaining([expect.objectContaining({ username: 'minh', role: 'operator' })]));
    expect(JSON.stringify(users)).not.toContain('scrypt');
    await admin('/api/logout', { method: 'POST' });
    expect((await admin('/api/latest')).status).toBe(401);
  });

  it('raises an alert from a rule set through the API, and records who acknowledged it and when', async () => {
    const bad = await admin('/api/alert-rules', {
      method: 'PUT',
      body: JSON.stringify([{ id: 'co2-high', kind: 'threshold', metric: 'co3', above: 1500 }]),
    });
    expect({ status: bad.status, body: await bad.json() }).toEqual({
      status: 400,
      body: { error: 'rule 1 ("co2-high"): unknown metric "co3"; metrics reported by the fleet: co2' },
    });
    const rules = [{ id: 'co2-high', kind: 'threshold', metric: 'co2', above: 1500, severity: 'critical' }];
    expect((await admin('/api/alert-rules', { method: 'PUT', body: JSON.stringify(rules) })).status).toBe(200);
    await gw.publish('co2-1/telemetry', { ts: Date.now(), seq: 1, values: { co2: 1720 } });
    const active = async () =>
      (await (await viewer('/api/alerts?active=true')).json()) as { id: number; message: string; ackedBy?: string }[];
    await expect.poll(active).toEqual([expect.objectContaining({ rule: 'co2-high', message: 'co2 1720 > 1500', severity: 'critical' })]);
    const [alert] = await active();
    expect((await viewer(`/api/alerts/${alert!.id}/ack`, { method: 'POST' })).status).toBe(403);
    const ack = await operator(`/api/alerts/${alert!.id}/ack`, { method: 'POST' });
    expect(await ack.json()).toMatchObject({ ackedBy: 'minh', ackedAt: expect.any(Number) });
    const again = await operator(`/api/alerts/${alert!.id}/ack`, { method: 'POST' });
    expect({ status: again.status, body: await again.json() }).toEqual({
      status: 409,
      body: { error: `alert ${alert!.id} was already acknowledged by minh` },
    });
    expect(((await (await admin('/api/audit')).json()) as { action: string; user: string }[])[0]).toMatchObject({
      action: 'alert-ack',
      user: 'minh',
    });
    await gw.publish('co2-1/telemetry', { ts: Date.now(), seq: 2, values: { co2: 800 } });
    await expect.poll(active).toEqual([]);
    expect(await (await viewer('/api/alerts?active=false')).json()).toEqual([
      expect.objectContaining({ ackedBy: 'minh', clearedAt: expect.any(Number) }),
    ]);
  });

  it('builds the site tree city → ward → center → room with status counts, places being data', async () => {
    const sites = [{ id: SITE, name: 'Trung tâm học tập Chợ Lớn', city: 'Thành phố Hồ Chí Minh', ward: 'Phường Chợ Lớn', kind: 'center' }];
    expect((await admin('/api/sites', { method: 'PUT', body: JSON.stringify(sites) })).status).toBe(200);
    const bad = await admin('/api/sites', { method: 'PUT', body: JSON.stringify([{ id: 'X', name: 'a', city: 'b', ward: 'c' }]) });
    expect(await bad.json()).toEqual({ error: 'sites: entry 1 field id: must match [a-z0-9][a-z0-9-]{0,62}' });
    await gw.publish('reader-1/availability', { online: false, ts: Date.now(), reason: 'serial port closed' }, true);
    await gw.publish('co2-1/availability', { online: true, ts: Date.now() }, true);
    await expect
      .poll(async () => (await (await viewer('/api/fleet')).json()) as unknown)
      .toEqual([
        {
          city: 'Thành phố Hồ Chí Minh',
          counts: { nodesOnline: 1, nodesOffline: 0, devicesOnline: 1, devicesOffline: 1, devicesUnknown: 0 },
          wards: [
            expect.objectContaining({
              ward: 'Phường Chợ Lớn',
              sites: [
                expect.objectContaining({
                  name: 'Trung tâm học tập Chợ Lớn',
                  rooms: [
                    expect.objectContaining({
                      room: 'Phòng 101',
                      nodes: [
                        expect.objectContaining({
                          devices: expect.arrayContaining([
                            expect.objectContaining({ device: 'reader-1', online: false, reason: 'serial port closed' }),
                          ]),
                        }),
                      ],
                    }),
                  ],
                }),
              ],
            }),
          ],
        },
      ]);
  });

  it('makes attendance per room and session from card events, with a CSV export', async () => {
    const session = await operator('/api/class-sessions', {
      method: 'POST',
      body: JSON.stringify({ site: SITE, room: 'Phòng 101', title: 'Tin học cơ bản', start: at(7, 30), end: at(9) }),
    });
    expect(session.status).toBe(201);
    const taps: [number, string][] = [
      [at(7, 25), 'c-001'],
      [at(7, 26), 'c-001'], // the reader repeats while the card is held
      [at(7, 40), 'c-002'],
      [at(10), 'c-003'],
    ];
    for (const [i, [ts, card]] of taps.entries()) await gw.publish('reader-1/event', { ts, seq: 100 + i, type: 'card', data: { card } });
    await expect.poll(() => h.ops.ingest.stats.stored).toBe(4);
    const body = (await (await viewer('/api/attendance?day=2026-11-28')).json()) as {
      rooms: { sessions: { attendees: { card: string }[] }[]; unscheduled: { card: string }[] }[];
    };
    expect(body.rooms).toHaveLength(1);
    // 07:25 is before the session starts at 07:30: unscheduled, like 10:00.
    expect(body.rooms[0]!.sessions[0]!.attendees.map((a) => a.card)).toEqual(['c-002']);
    expect(body.rooms[0]!.unscheduled).toEqual([
      { card: 'c-001', firstTap: at(7, 25), taps: 2 },
      { card: 'c-003', firstTap: at(10), taps: 1 },
    ]);
    const csv = await viewer('/api/attendance.csv?day=2026-11-28');
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const bytes = Buffer.from(await csv.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]); // UTF-8 BOM, so spreadsheets read the diacritics
    expect(bytes.subarray(3).toString('utf8').split('\r\n')).toEqual([
      'site,room,session,start,end,card,role,first_tap,taps,late',
      `ttht-cho-lon,Phòng 101,Tin học cơ bản,${new Date(at(7, 30)).toISOString()},${new Date(at(9)).toISOString()},c-002,,${new Date(at(7, 40)).toISOString()},1,`,
      `ttht-cho-lon,Phòng 101,,,,c-001,,${new Date(at(7, 25)).toISOString()},2,`,
      `ttht-cho-lon,Phòng 101,,,,c-003,,${new Date(at(10)).toISOString()},1,`,
      '',
    ]);
    const bad = await viewer('/api/attendance?day=28/11/2026');
    expect({ status: bad.status, body: await bad.json() }).toEqual({
      status: 400,
      body: { error: '"day" must be a date YYYY-MM-DD, got "28/11/2026"' },
    });
  });

  it("uses the edge agent's own class sessions: opened by a teacher's card, attendance named by session", async () => {
    const events: [number, string, object][] = [
      [at(7, 28), 'session.opened', { session: '2026-11-28-p1', teacher: 't-51c6', period: 'Tiết 1', endsAt: at(8, 15) }],
      [at(7, 31), 'attendance', { card: 'c-001', role: 'student', session: '2026-11-28-p1', late: false }],
      [at(7, 50), 'attendance', { card: 'c-002', role: 'student', session: '2026-11-28-p1', late: true }],
      [at(8, 15), 'session.closed', { session: '2026-11-28-p1', attendees: 3 }],
      [at(8, 30), 'attendance', { card: 'c-003', role: 'unknown', session: null, late: false }],
    ];
    for (const [i, [ts, type, data]] of events.entries()) await gw.publish('reader-1/event', { ts, seq: 200 + i, type, data });
    await expect.poll(() => h.ops.ingest.stats.stored).toBe(5);
    const body = (await (await viewer('/api/attendance?day=2026-11-28')).json()) as { rooms: unknown[] };
    expect(body.rooms).toEqual([
      {
        site: SITE,
        room: 'Phòng 101',
        sessions: [
          {
            id: 'edge-ttht-cho-lon/gw-p101/2026-11-28-p1',
            title: 'Tiết 1',
            start: at(7, 28),
            end: at(8, 15),
            source: 'edge',
            attendees: [
              { card: 't-51c6', firstTap: at(7, 28), taps: 1, role: 'teacher' },
              { card: 'c-001', firstTap: at(7, 31), taps: 1, role: 'student' },
              { card: 'c-002', firstTap: at(7, 50), taps: 1, role: 'student', late: true },
            ],
          },
        ],
        unscheduled: [{ card: 'c-003', firstTap: at(8, 30), taps: 1, role: 'unknown' }],
      },
    ]);
  });

  it('counts kiosk sessions, searches, enrolments and ratings per day and center', async () => {
    const kiosk = await h.connectNode('kiosk-1');
    await kiosk.publish('screen/event', { ts: at(8), seq: 1, type: 'session.start', data: {} });
    await kiosk.publish('screen/event', { ts: at(8, 1), seq: 2, type: 'search', data: { length: 7 } });
    await kiosk.publish('screen/event', { ts: at(8, 2), seq: 3, type: 'search', data: { length: 4 } });
    await kiosk.publish('outbox/enrolment', { ts: at(8, 5), seq: 4, key: 'enrol-000001', data: { course: 'tin-hoc' } });
    await kiosk.publish('outbox/rating', { ts: at(8, 6), seq: 5, key: 'rating-000001', data: { stars: 4 } });
    await kiosk.publish('outbox/rating', { ts: at(8, 6), seq: 5, key: 'rating-000001', data: { stars: 4 } }); // sent again
    await kiosk.publish('outbox/rating', { ts: at(23, 30), seq: 6, key: 'rating-000002', data: { stars: 5 } }); // 23:30 local: still the 28th
    await expect.poll(() => h.ops.ingest.stats.stored).toBe(6);
    expect(await (await viewer('/api/kiosk-stats?from=2026-11-28&to=2026-11-28')).json()).toEqual([
      { day: '2026-11-28', site: SITE, sessions: 1, searches: 2, enrolments: 1, feedback: 0, ratings: 2, averageRating: 4.5 },
    ]);
  });

  it('counts what kiosks deliver to the content intake over HTTP, each record once, per center of the course', async () => {
    const [course] = seedCourses();
    const center = SEED_CENTERS.find((c) => c.id === course!.centerId)!;
    const contentDb = openContentDb(join(h.dir, 'content.db'), { seed: false });
    upsertDossiers(contentDb, [
      {
        code: '000.25.30.H29-261120-0012',
        procedureTitle: 'Chuyển trường đối với học sinh trung học cơ sở',
        status: 'processing',
        receivedAt: '2026-11-20',
        dueAt: '2026-11-25',
        updatedAt: '2026-11-21',
      },
    ]);
    contentDb.close();
    // As kiosk-app's httpDeliver sends them: the submission's data with key, kiosk id and createdAt.
    const intake = (kind: string, body: object) =>
      fetch(`${h.ops.url}/api/content/v1/intake/${kind}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ kiosk: 'kiosk-1', ...body }),
      });
    const enrolment = {
      key: 'enrol-http-0001',
      courseId: course!.id,
      fullName: 'Nguyễn Thị Hoà',
      phone: '0901234567',
      consent: true,
      createdAt: at(9),
    };
    expect((await intake('enrolment', enrolment)).status).toBe(201);
    expect((await intake('enrolment', enrolment)).status).toBe(200); // a retry after a lost answer
    expect(
      (await intake('rating', { key: 'rating-http-0001', dossierCode: '000.25.30.H29-261120-0012', score: 3, createdAt: at(9, 5) })).status,
    ).toBe(201);
    expect(
      (await intake('feedback', { key: 'feedback-http-01', topic: 'kiosk', message: 'Chữ hơi nhỏ.', createdAt: at(9, 6) })).status,
    ).toBe(201);
    expect((await intake('session', { key: 'session-http-01', searches: 3, createdAt: at(9) })).status).toBe(201);
    expect((await intake('session', { key: 'session-http-02', searches: -1, createdAt: at(9) })).status).toBe(400);
    // The same enrolment also over MQTT (an Electron kiosk's outbox): still one.
    const kiosk = await h.connectNode('kiosk-1');
    await kiosk.publish('outbox/enrolment', { ts: at(9), seq: 1, key: 'enrol-http-0001', data: { courseId: course!.id } });
    await expect.poll(() => h.ops.ingest.stats.stored).toBe(1);
    const stats = await (await viewer('/api/kiosk-stats?from=2026-11-28&to=2026-11-28')).json();
    expect(stats).toEqual(
      [
        { day: '2026-11-28', site: center.id, siteName: center.name, sessions: 0, searches: 0, enrolments: 1, feedback: 0, ratings: 0 },
        // kiosk-1 is a node of the fleet at ttht-cho-lon: its rating, feedback and session count there.
        {
          day: '2026-11-28',
          site: SITE,
          sessions: 1,
          searches: 3,
          enrolments: 0,
          feedback: 1,
          ratings: 1,
          averageRating: 3,
        },
      ].sort((a, b) => a.site.localeCompare(b.site)),
    );
    // Nothing personal reaches the ops-center's store.
    expect(JSON.stringify(await h.ops.store.intakeRecords({ from: 0, to: at(24) }))).not.toMatch(/Hoà|0901234567|Chữ/);
  });

  it('raises and clears a "silent" alert for a gateway that stays connected but stops sending telemetry', async () => {
    const rules = await admin('/api/alert-rules', {
      method: 'PUT',
      body: JSON.stringify([{ id: 'gateway-silent', kind: 'silent', minutes: 0.005 }]), // 300 ms
    });
    expect(rules.status).toBe(200);
    await gw.publish('co2-1/telemetry', { ts: Date.now(), seq: 1, values: { co2: 600 } });
    await expect.poll(() => h.ops.ingest.stats.stored).toBe(1);
    await h.ops.tick();
    expect(await (await viewer('/api/alerts?active=true')).json()).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 400));
    await h.ops.tick();
    expect(await (await viewer('/api/alerts?active=true')).json()).toEqual([
      expect.objectContaining({ rule: 'gateway-silent', target: `${SITE}/gw-p101`, severity: 'warning' }),
    ]);
    await gw.publish('co2-1/telemetry', { ts: Date.now(), seq: 2, values: { co2: 610 } });
    await expect.poll(() => h.ops.ingest.stats.stored).toBe(2);
    await h.ops.tick();
    expect(await (await viewer('/api/alerts?active=true')).json()).toEqual([]);
    expect(await (await viewer('/api/alerts?active=false')).json()).toEqual([
      expect.objectContaining({ rule: 'gateway-silent', clearedAt: expect.any(Number) }),
    ]);
  });

  it('shows seq gaps per node', async () => {
    for (const seq of [1, 2, 6]) await gw.publish('co2-1/telemetry', { ts: Date.now(), seq, values: { co2: 500 } });
    await expect.poll(async () => (await viewer('/api/gaps')).json()).toEqual([{ site: SITE, node: 'gw-p101', from: 3, to: 5 }]);
  });

  it('documents every route in the OpenAPI document', async () => {
    const served = (await (await fetch(`${h.ops.url}/api/openapi.json`)).json()) as typeof openApiDocument;
    expect(served.openapi).toBe('3.1.0');
    const documented = Object.entries(served.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`),
    );
    // The kiosk content API (/api/content/…) is another part, documented by it.
    const routes = h.ops
      .routes()
      .filter((route) => !route.includes(' /api/content/'))
      .filter((route) => route.startsWith('GET /api') || route.startsWith('POST') || route.startsWith('PUT') || route === 'GET /metrics');
    expect(new Set(documented)).toEqual(new Set(routes.map((route) => route.replace(/:(\w+)/g, '{$1}'))));
  });

  it('serves the kiosk content API on the same server, without an operator login', async () => {
    const catalog = await fetch(`${h.ops.url}/api/content/v1/catalog`);
    expect(catalog.status).toBe(200);
  });

  it('exposes Prometheus metrics', async () => {
    await gw.publish('co2-1/telemetry', { ts: Date.now(), seq: 1, values: { co2: 500 } });
    await gw.client.publishAsync('lophoc/v1/ttht-cho-lon/gw-p101/co2-1/telemetry', '{"v":1', { qos: 1 });
    await expect.poll(() => h.ops.ingest.stats.malformed).toBe(1);
    const text = await (await fetch(`${h.ops.url}/metrics`)).text();
    expect(text).toContain('# TYPE lophoc_ingest_records_stored_total counter\nlophoc_ingest_records_stored_total 1\n');
    expect(text).toContain('lophoc_ingest_messages_malformed_total{code="bad-json"} 1');
    expect(text).toContain('lophoc_nodes{state="online"} 1');
    expect(text).toContain('lophoc_devices 2');
  });
});

describe('a fresh install without accounts', () => {
  it('is readable without login but nothing can be changed until an account exists', async () => {
    const h = await startHarness();
    try {
      expect(await (await fetch(`${h.ops.url}/api/me`)).json()).toEqual({ username: null, role: 'viewer', setupRequired: true });
      expect((await fetch(`${h.ops.url}/api/latest`)).status).toBe(200);
      const refused = await fetch(`${h.ops.url}/api/commands`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      expect(refused.status).toBe(403);
      await addUser(h.ops.store, 'admin', 'admin', PASSWORD, Date.now());
      expect((await fetch(`${h.ops.url}/api/latest`)).status).toBe(401);
    } finally {
      await h.stop();
    }
  });
});
