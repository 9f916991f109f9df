import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Registry, startBroker } from '@lophoc/broker';
import { CardPseudonymiser, loadGatewayConfig, startAgent } from '@lophoc/edge-agent';
import { startKioskBrowserMode } from '@lophoc/kiosk-app/browser';
import { startOpsCenter } from '@lophoc/ops-center';
import { type ClassroomSimulators, driftRoomClimate, startClassroomSimulators, type XyMd02State } from '@lophoc/simulators';
import type { Logger } from 'pino';
import { PILOT_CLASSROOM, PILOT_SITES, PILOT_TEACHER_CARD, writePilotGatewayConfig } from './pilot-site.js';

export interface PilotOptions {
  dataDir: string;
  host?: string;
  brokerPort?: number;
  httpPort?: number;
  kioskPort?: number;
  log: Logger;
  /** Let the simulated room's climate wander (the pilot); tests keep the vector values. */
  drift?: boolean;
  consoleDir?: string;
}

export interface RunningPilot {
  brokerUrl: string;
  consoleUrl: string;
  kioskUrl: string;
  /** The first operator account of the console. */
  admin: { username: string; password: string };
  /** The XY-MD02 of the simulated room (30.5 °C / 54.6 %RH until changed). */
  sensor: XyMd02State;
  room: ClassroomSimulators;
  stop(): Promise<void>;
}

/**
 * The whole pilot on one machine (DESIGN §1): broker with its registry (login and ACL on) → ops-center with its
 * service account → a simulated classroom (sensors on an RS-485 bus and UARTs, a card reader, two projectors) →
 * the edge agent bound to it → the kiosk in browser mode. Parts start in that order and stop in reverse; if one
 * fails to start, those already running are stopped before the error is rethrown.
 */
export async function startPilot(options: PilotOptions): Promise<RunningPilot> {
  const dataDir = resolve(options.dataDir);
  const host = options.host ?? '127.0.0.1';
  const { log } = options;
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch((error: Error) => log.warn({ err: error.message }, 'error while stopping'));
    stops.length = 0;
  };
  try {
    await mkdir(join(dataDir, 'broker'), { recursive: true });
    const registry = Registry.open(join(dataDir, 'broker', 'registry.db'));
    stops.push(async () => registry.close());
    for (const site of PILOT_SITES) registry.addSite({ ...site });
    const { site, node, roomSite } = PILOT_CLASSROOM;
    const gateway = await registry.provisionNode({ site, node, kind: 'gateway', room: roomSite });
    const service = await registry.ensureServiceAccount({ username: 'ops-center', role: 'service' });

    const broker = await startBroker({
      host,
      port: options.brokerPort ?? 1883,
      log: log.child({ part: 'broker' }),
      registry,
      storage: { kind: 'sqlite', file: join(dataDir, 'broker', 'sessions.db') },
    });
    stops.push(() => broker.stop());

    const admin = await pilotAdmin(dataDir);
    const ops = await startOpsCenter({
      dataDir: join(dataDir, 'ops-center'),
      mqttUrl: broker.url,
      mqttUsername: service.username,
      mqttPassword: service.password,
      host,
      port: options.httpPort ?? 8080,
      log: log.child({ part: 'ops-center' }),
      consoleDir: options.consoleDir,
      initialAdmin: admin,
    });
    stops.push(() => ops.stop());

    const room = await startClassroomSimulators(join(dataDir, 'run'));
    stops.push(() => room.stop());
    if (options.drift) {
      const timer = setInterval(() => driftRoomClimate(room.climate), 3000);
      stops.push(async () => clearInterval(timer));
    }

    const gatewayDir = join(dataDir, 'gateway', node);
    await mkdir(gatewayDir, { recursive: true });
    const configFile = join(gatewayDir, 'agent.yaml');
    const secretFile = join(gatewayDir, 'site.key');
    const secret = await siteSecret(secretFile);
    await writePilotGatewayConfig(configFile, {
      mqtt: { url: broker.url, username: gateway.username, password: gateway.password },
      dataDir: gatewayDir,
      devices: room.devices,
      secretFile,
      teacherPseudonym: new CardPseudonymiser(secret).pseudonym(PILOT_TEACHER_CARD),
    });
    const agent = await startAgent(await loadGatewayConfig(configFile), log.child({ part: 'edge-agent' }));
    stops.push(() => agent.stop());

    const kiosk = await startKioskBrowserMode({
      contentApiUrl: `${ops.url}/api/content/v1`,
      dataDir: join(dataDir, 'kiosk'),
      host,
      port: options.kioskPort ?? 8090,
      log: log.child({ part: 'kiosk' }),
    });
    stops.push(() => kiosk.stop());

    return { brokerUrl: broker.url, consoleUrl: `${ops.url}/`, kioskUrl: kiosk.url, admin, sensor: room.climate, room, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/**
 * The console's first operator: from LOPHOC_ADMIN_PASSWORD, or a password generated on the first start and kept
 * (mode 0600) in `data/admin-password`, so it stays the same across restarts.
 */
async function pilotAdmin(dataDir: string): Promise<{ username: string; password: string }> {
  const username = process.env.LOPHOC_ADMIN_USER ?? 'admin';
  if (process.env.LOPHOC_ADMIN_PASSWORD) return { username, password: process.env.LOPHOC_ADMIN_PASSWORD };
  const file = join(dataDir, 'admin-password');
  try {
    return { username, password: (await readFile(file, 'utf8')).trim() };
  } catch {
    const password = randomBytes(12).toString('base64url');
    await writeFile(file, `${password}\n`, { mode: 0o600 });
    return { username, password };
  }
}

/** The gateway's per-site secret for card pseudonyms: 32 random bytes made on the first start, kept mode 0600. */
async function siteSecret(file: string): Promise<Buffer> {
  try {
    return Buffer.from((await readFile(file, 'utf8')).trim(), 'hex');
  } catch {
    const secret = randomBytes(32);
    await writeFile(file, `${secret.toString('hex')}\n`, { mode: 0o600 });
    return secret;
  }
}
