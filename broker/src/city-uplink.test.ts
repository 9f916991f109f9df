import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Daemon } from '../../test/support/servers/daemon.js';
import { startMosquitto } from '../../test/support/servers/mosquitto.js';
import { type RunningBroker, startBroker } from './broker.js';
import { type CityUplink, startCityUplink } from './city-uplink.js';
import { collect, connect } from './test-clients.js';

const log = pino({ level: 'silent' });
let dir: string;
let district: RunningBroker;
let city: Daemon | undefined;
let uplink: CityUplink | undefined;
let passwordFile: string;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lophoc-uplink-'));
  passwordFile = join(dir, 'city-passwd');
  writeFileSync(passwordFile, '');
  execFileSync('mosquitto_passwd', ['-b', passwordFile, 'quan-5', 'city-secret']);
  district = await startBroker({ port: 0, log });
});
afterEach(async () => {
  await uplink?.stop();
  await district.stop();
  await city?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('city uplink', () => {
  it('forwards the selected topics under the district prefix, buffers while the city is down and delivers in order after', async () => {
    // The city keeps sessions across its restart, so the watcher misses nothing the uplink sends on reconnect.
    const persistence = ['persistence true', `persistence_location ${dir}/`];
    city = await startMosquitto({ passwordFile, extraConfig: persistence });
    const cityPort = city.port;
    uplink = await startCityUplink({
      aedes: district.aedes,
      upstream: { url: city.url, username: 'quan-5', password: 'city-secret', clientId: 'district-quan-5', reconnectPeriodMs: 200 },
      patterns: ['lophoc/v1/+/+/state'],
      topicPrefix: 'district/quan-5/',
      bufferFile: join(dir, 'uplink.db'),
      log,
    });
    const watcher = await connect(city.url, { username: 'quan-5', password: 'city-secret', clientId: 'city-watcher', clean: false });
    const seen = collect(watcher);
    await watcher.subscribeAsync('district/#', { qos: 1 });
    const node = await connect(district.url, { clientId: 'ttht-cho-lon.gw-p101' });
    await node.publishAsync('lophoc/v1/ttht-cho-lon/gw-p101/health', '{"v":1}', { qos: 1 });
    await node.publishAsync('lophoc/v1/ttht-cho-lon/gw-p101/state', '{"v":1,"online":true}', { qos: 1 });
    expect((await seen.waitFor(1)).map((m) => m.topic)).toEqual(['district/quan-5/lophoc/v1/ttht-cho-lon/gw-p101/state']);
    await watcher.endAsync();

    await city.stop();
    for (let i = 1; i <= 3; i++) await node.publishAsync('lophoc/v1/ttht-cho-lon/gw-p101/state', `{"v":1,"n":${i}}`, { qos: 1 });
    expect(uplink.buffered()).toBe(3);

    city = await startMosquitto({ passwordFile, port: cityPort, extraConfig: persistence });
    const back = await connect(city.url, { username: 'quan-5', password: 'city-secret', clientId: 'city-watcher', clean: false });
    const after = collect(back);
    const payloads = (await after.waitFor(3, 10_000)).map((m) => m.payload.toString());
    expect(payloads).toEqual(['{"v":1,"n":1}', '{"v":1,"n":2}', '{"v":1,"n":3}']);
    expect(uplink.buffered()).toBe(0);
    await Promise.all([back.endAsync(true), node.endAsync(true)]);
  });
});
