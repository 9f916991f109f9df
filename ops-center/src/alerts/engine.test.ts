import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../store/sqlite-store.js';
import type { LatestValue, NodeSummary } from '../store/store.js';
import { type AlertChange, AlertEngine } from './engine.js';
import { parseRules, RuleError } from './rules.js';
import { WebhookNotifier } from './webhook.js';

const log = pino({ level: 'silent' });
const T0 = Date.UTC(2026, 10, 28, 1, 0, 0);
const MIN = 60_000;
const co2 = (ts: number, value: number): LatestValue => ({
  site: 'ttht-cho-lon',
  node: 'gw-p101',
  device: 'co2-1',
  name: 'co2',
  value,
  ts,
});
const node = (over: Partial<NodeSummary> = {}): NodeSummary => ({
  site: 'ttht-cho-lon',
  node: 'gw-p101',
  online: true,
  lastSeen: T0,
  devices: [{ device: 'pj-1', online: true }],
  ...over,
});

describe('alert rules as data', () => {
  it('refuses a rule with an unknown metric, naming the rule and the metrics that exist', () => {
    expect(() => parseRules([{ id: 'co2-high', kind: 'threshold', metric: 'co3', above: 1500 }], new Set(['co2', 'temperature']))).toThrow(
      new RuleError('rule 1 ("co2-high"): unknown metric "co3"; metrics reported by the fleet: co2, temperature'),
    );
  });
  it('names the field of a malformed rule', () => {
    expect(() => parseRules([{ id: 'x', kind: 'offline', target: 'node', minutes: -1 }])).toThrow(/rule 1 \("x"\): minutes: /);
    expect(() => parseRules([{ id: 'x', kind: 'threshold', metric: 'co2' }])).toThrow(/exactly one of "above" or "below"/);
    expect(() =>
      parseRules([
        { id: 'a', kind: 'lamp-hours', above: 1 },
        { id: 'a', kind: 'lamp-hours', above: 2 },
      ]),
    ).toThrow(/used twice/);
    expect(() => parseRules({})).toThrow('alert rules must be a JSON array');
  });
});

describe('alert engine', () => {
  let dir: string;
  let store: SqliteStore;
  let engine: AlertEngine;
  let changes: AlertChange[];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lophoc-alerts-'));
    store = new SqliteStore(join(dir, 'ops.db'));
    engine = new AlertEngine({ store, log });
    await engine.start();
    changes = [];
    engine.on('change', (change) => changes.push(change));
  });
  afterEach(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('raises CO2 > 1500 ppm only after 10 minutes, and clears it only 100 ppm below (hysteresis)', async () => {
    await engine.setRules(
      parseRules([
        { id: 'co2-high', kind: 'threshold', metric: 'co2', above: 1500, forMinutes: 10, hysteresis: 100, severity: 'critical' },
      ]),
      T0,
    );
    engine.observe([co2(T0, 1600), co2(T0 + 5 * MIN, 1700)]);
    await engine.tick(T0 + 9 * MIN, []);
    expect(changes).toEqual([]);
    // A dip below the limit restarts the 10 minutes.
    engine.observe([co2(T0 + 9 * MIN, 1400), co2(T0 + 10 * MIN, 1600)]);
    await engine.tick(T0 + 19 * MIN, []);
    expect(changes).toEqual([]);
    await engine.tick(T0 + 20 * MIN, []);
    expect(changes).toEqual([
      {
        type: 'raised',
        alert: expect.objectContaining({
          rule: 'co2-high',
          severity: 'critical',
          target: 'ttht-cho-lon/gw-p101/co2-1/co2',
          value: 1600,
          raisedAt: T0 + 20 * MIN,
        }),
      },
    ]);
    engine.observe([co2(T0 + 21 * MIN, 1450), co2(T0 + 22 * MIN, 1600)]); // inside the hysteresis band: stays raised, not raised twice
    await engine.settled();
    expect(changes).toHaveLength(1);
    engine.observe([co2(T0 + 23 * MIN, 1399)]);
    await engine.settled();
    expect(changes.map((c) => c.type)).toEqual(['raised', 'cleared']);
    const [history] = await store.alerts({ active: false });
    expect(history).toMatchObject({ rule: 'co2-high', raisedAt: T0 + 20 * MIN, clearedAt: T0 + 23 * MIN });
  });

  it('raises a node offline for more than N minutes and a device offline with its reason, then clears them', async () => {
    await engine.setRules(
      parseRules([
        { id: 'node-offline', kind: 'offline', target: 'node', minutes: 5 },
        { id: 'device-offline', kind: 'offline', target: 'device', minutes: 0 },
      ]),
      T0,
    );
    const down = node({ online: false, since: T0, devices: [{ device: 'pj-1', online: false, reason: 'no answer to POWR ?', since: T0 }] });
    await engine.tick(T0 + 4 * MIN, [down]);
    expect(changes.map((c) => [c.type, c.alert.rule, c.alert.message])).toEqual([
      ['raised', 'device-offline', 'device ttht-cho-lon/gw-p101/pj-1 offline: no answer to POWR ?'],
    ]);
    await engine.tick(T0 + 5 * MIN, [down]);
    expect(changes.at(-1)).toMatchObject({
      type: 'raised',
      alert: { rule: 'node-offline', message: 'node ttht-cho-lon/gw-p101 offline for 5 min' },
    });
    await engine.tick(T0 + 6 * MIN, [node()]);
    expect(changes.slice(2).map((c) => [c.type, c.alert.rule])).toEqual([
      ['cleared', 'node-offline'],
      ['cleared', 'device-offline'],
    ]);
    expect(await store.alerts({ active: true })).toEqual([]);
  });

  it('raises for a gateway online but silent for N minutes, clears when telemetry comes back, leaves kiosks alone', async () => {
    await engine.setRules(parseRules([{ id: 'silent', kind: 'silent', minutes: 10, severity: 'critical' }]), T0);
    const gateway = node({ kind: 'gateway', since: T0 });
    const kiosk = node({ node: 'kiosk-1', kind: 'kiosk', since: T0 });
    engine.observe([co2(T0 + MIN, 800)], T0 + MIN);
    await engine.tick(T0 + 10 * MIN, [gateway, kiosk]);
    expect(changes).toEqual([]); // 9 minutes since the last reading
    await engine.tick(T0 + 11 * MIN, [gateway, kiosk]);
    expect(changes.map((c) => [c.type, c.alert.rule, c.alert.target, c.alert.severity, c.alert.message])).toEqual([
      ['raised', 'silent', 'ttht-cho-lon/gw-p101', 'critical', 'node ttht-cho-lon/gw-p101 online but no telemetry for 10 min'],
    ]);
    await engine.tick(T0 + 12 * MIN, [gateway, kiosk]);
    expect(changes).toHaveLength(1);
    engine.observe([co2(T0 + 13 * MIN, 810)], T0 + 13 * MIN);
    await engine.tick(T0 + 13 * MIN, [gateway, kiosk]);
    expect(changes.map((c) => c.type)).toEqual(['raised', 'cleared']);
    // Offline is the offline rule's business: a silent node that disconnects is no longer "online but silent".
    await engine.tick(T0 + 30 * MIN, [gateway]);
    expect(changes.map((c) => c.type)).toEqual(['raised', 'cleared', 'raised']);
    await engine.tick(T0 + 31 * MIN, [{ ...gateway, online: false, since: T0 + 31 * MIN }]);
    expect(changes.map((c) => c.type)).toEqual(['raised', 'cleared', 'raised', 'cleared']);
    // Coming back online restarts the clock, even without telemetry since.
    await engine.tick(T0 + 45 * MIN, [{ ...gateway, since: T0 + 40 * MIN }]);
    expect(changes).toHaveLength(4);
    expect(() => parseRules([{ id: 's', kind: 'silent', minutes: 0 }])).toThrow(/rule 1 \("s"\): minutes: /);
  });

  it('watches projector lamp hours and outbox backlog', async () => {
    await engine.setRules(
      parseRules([
        { id: 'lamp', kind: 'lamp-hours', above: 3000, severity: 'info' },
        { id: 'backlog', kind: 'outbox-backlog', above: 1000 },
      ]),
      T0,
    );
    engine.observe([{ site: 'ttht-cho-lon', node: 'gw-p101', device: 'pj-1', name: 'lamp_hours', value: 3001, ts: T0 }]);
    await engine.tick(T0, [node({ outboxDepth: 5000 })]);
    expect(changes.map((c) => [c.alert.rule, c.alert.message])).toEqual([
      ['lamp', 'lamp_hours 3001 > 3000'],
      ['backlog', 'outbox of ttht-cho-lon/gw-p101 holds 5000 records (> 1000)'],
    ]);
  });

  it('checks each sample against the rules of its metric only, in rule order, and follows replaced rules', async () => {
    await engine.setRules(
      parseRules([
        { id: 'co2-warn', kind: 'threshold', metric: 'co2', above: 1000 },
        { id: 'temp-low', kind: 'threshold', metric: 'temperature', below: 16, hysteresis: 1, site: 'ttht-cho-lon' },
        { id: 'co2-crit', kind: 'threshold', metric: 'co2', above: 1500, severity: 'critical' },
      ]),
      T0,
    );
    const temperature = (site: string, ts: number, value: number): LatestValue => ({
      site,
      node: 'gw-p101',
      device: 't-1',
      name: 'temperature',
      value,
      ts,
    });
    engine.observe([temperature('ttht-cho-lon', T0, 15), co2(T0, 1600), temperature('thcs-khac', T0, 10), co2(T0 + MIN, 900)]);
    await engine.settled();
    // Rule by rule, and each rule's samples in order: the second CO2 sample clears co2-warn (no hysteresis).
    expect(changes.map((c) => [c.type, c.alert.rule, c.alert.target, c.alert.message])).toEqual([
      ['raised', 'co2-warn', 'ttht-cho-lon/gw-p101/co2-1/co2', 'co2 1600 > 1000'],
      ['cleared', 'co2-warn', 'ttht-cho-lon/gw-p101/co2-1/co2', 'co2 1600 > 1000'],
      ['raised', 'temp-low', 'ttht-cho-lon/gw-p101/t-1/temperature', 'temperature 15 < 16'],
      ['raised', 'co2-crit', 'ttht-cho-lon/gw-p101/co2-1/co2', 'co2 1600 > 1500'],
      ['cleared', 'co2-crit', 'ttht-cho-lon/gw-p101/co2-1/co2', 'co2 1600 > 1500'],
    ]);
    engine.observe([temperature('ttht-cho-lon', T0 + MIN, 16.5)]); // inside the hysteresis band
    await engine.settled();
    expect(changes).toHaveLength(5);
    // Replaced rules: temp-low goes (its alert clears), a CO2 rule no longer fires on temperature samples.
    await engine.setRules(parseRules([{ id: 'co2-warn', kind: 'threshold', metric: 'co2', above: 2000 }]), T0 + 2 * MIN);
    engine.observe([co2(T0 + 3 * MIN, 1600), temperature('ttht-cho-lon', T0 + 3 * MIN, 0)]);
    await engine.settled();
    expect(changes.slice(5).map((c) => [c.type, c.alert.rule])).toEqual([['cleared', 'temp-low']]);
  });

  it('hears every node of a batch for the silent rule, nodes interleaved and names shared across sites', async () => {
    await engine.setRules(parseRules([{ id: 'silent', kind: 'silent', minutes: 10 }]), T0);
    const reading = (site: string, node: string): LatestValue => ({ site, node, device: 'co2-1', name: 'co2', value: 800, ts: T0 });
    const gateways = [node({ since: T0 }), node({ node: 'gw-p102', since: T0 }), node({ site: 'thcs-khac', since: T0 })];
    engine.observe(
      [reading('ttht-cho-lon', 'gw-p101'), reading('ttht-cho-lon', 'gw-p102'), reading('ttht-cho-lon', 'gw-p101')],
      T0 + 5 * MIN,
    );
    await engine.tick(T0 + 14 * MIN, gateways);
    expect(changes.map((c) => [c.type, c.alert.target])).toEqual([['raised', 'thcs-khac/gw-p101']]);
  });

  it('remembers raised alerts across a restart, so they clear instead of being raised twice', async () => {
    await engine.setRules(parseRules([{ id: 'co2-high', kind: 'threshold', metric: 'co2', above: 1500 }]), T0);
    engine.observe([co2(T0, 1600)]);
    await engine.settled();
    const restarted = new AlertEngine({ store, log });
    await restarted.start();
    const later: AlertChange[] = [];
    restarted.on('change', (change) => later.push(change));
    restarted.observe([co2(T0 + MIN, 1700), co2(T0 + 2 * MIN, 1000)]);
    await restarted.settled();
    expect(later.map((c) => c.type)).toEqual(['cleared']);
    expect(await store.alerts({})).toHaveLength(1);
  });

  it('posts each change to the webhook; a failing receiver is counted, not fatal', async () => {
    const received: unknown[] = [];
    const server = createServer(async (request: IncomingMessage, response) => {
      let body = '';
      for await (const chunk of request) body += chunk;
      received.push(JSON.parse(body));
      response.writeHead(request.url === '/broken' ? 500 : 204).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const notifier = new WebhookNotifier({ urls: [`http://127.0.0.1:${port}/hook`, `http://127.0.0.1:${port}/broken`], log });
    engine.on('change', (change) => notifier.notify(change));
    await engine.setRules(parseRules([{ id: 'co2-high', kind: 'threshold', metric: 'co2', above: 1500 }]), T0);
    engine.observe([co2(T0, 1600)]);
    await engine.settled();
    await notifier.flush();
    server.close();
    expect(received).toEqual([
      expect.objectContaining({ source: 'lophoc-ops-center', type: 'raised', alert: expect.objectContaining({ rule: 'co2-high' }) }),
      expect.objectContaining({ type: 'raised' }),
    ]);
    expect(notifier.stats).toEqual({ sent: 1, failed: 1 });
    expect(() => new WebhookNotifier({ urls: ['ftp://x'], log })).toThrow('alert webhook "ftp://x" must be an http(s) URL');
  });
});
