import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { startBroker } from '@lophoc/broker';
import { loadGatewayConfig, startAgent } from '@lophoc/edge-agent';
import { startOpsCenter } from '@lophoc/ops-center';
import { driftRoomClimate, openPtyPair, startXyMd02, XyMd02State } from '@lophoc/simulators';
import type { Logger } from 'pino';
import { joinData, PILOT_CLASSROOM, writePilotGatewayConfig } from './pilot-site.js';

export interface PilotOptions {
  dataDir: string;
  host?: string;
  brokerPort?: number;
  httpPort?: number;
  log: Logger;
  /** Let the simulated room's climate wander (the pilot); tests keep the vector values. */
  drift?: boolean;
  consoleDir?: string;
}

export interface RunningPilot {
  brokerUrl: string;
  consoleUrl: string;
  sensor: XyMd02State;
  stop(): Promise<void>;
}

/**
 * The whole pilot on one machine (DESIGN §1): broker → ops-center → a simulated XY-MD02 on a pty pair →
 * the edge agent polling it. Parts start in that order and stop in reverse; if one fails to start, the
 * ones already running are stopped before the error is rethrown.
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
    await mkdir(dataDir, { recursive: true });
    const broker = await startBroker({ host, port: options.brokerPort ?? 1883, log: log.child({ part: 'broker' }) });
    stops.push(() => broker.stop());

    const ops = await startOpsCenter({
      dataDir: joinData(dataDir, 'ops-center'),
      mqttUrl: broker.url,
      host,
      port: options.httpPort ?? 8080,
      log: log.child({ part: 'ops-center' }),
      consoleDir: options.consoleDir,
    });
    stops.push(() => ops.stop());

    const pty = await openPtyPair(joinData(dataDir, 'run'), PILOT_CLASSROOM.sensor.id);
    stops.push(() => pty.close());
    const sensor = new XyMd02State();
    const simulator = await startXyMd02(pty.device, sensor);
    stops.push(() => simulator.stop());
    if (options.drift) {
      const timer = setInterval(() => driftRoomClimate(sensor), 3000);
      stops.push(async () => clearInterval(timer));
    }

    const gatewayDir = joinData(dataDir, 'gateway', PILOT_CLASSROOM.node);
    await mkdir(gatewayDir, { recursive: true });
    const configFile = joinData(gatewayDir, 'agent.yaml');
    await writePilotGatewayConfig(configFile, { mqttUrl: broker.url, dataDir: gatewayDir, sensorPort: pty.host });
    const agent = await startAgent(await loadGatewayConfig(configFile), log.child({ part: 'edge-agent' }));
    stops.push(() => agent.stop());

    return { brokerUrl: broker.url, consoleUrl: `${ops.url}/`, sensor, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
