import { createServer } from 'node:net';
import { listen } from '@lophoc/scripts/listen';
import { Aedes } from 'aedes';
import type { Logger } from 'pino';

export interface BrokerOptions {
  host?: string;
  /** 0 lets the OS pick a free port (tests). */
  port?: number;
  log: Logger;
}

export interface RunningBroker {
  readonly aedes: Aedes;
  readonly port: number;
  readonly url: string;
  stop(): Promise<void>;
}

/** The district MQTT broker (aedes 1.x) on a TCP listener. Registry, ACL and TLS come with the broker issue. */
export async function startBroker({ host = '127.0.0.1', port = 1883, log }: BrokerOptions): Promise<RunningBroker> {
  const aedes = await Aedes.createBroker({ id: 'lophoc-broker' });
  const server = createServer(aedes.handle);
  aedes.on('clientError', (client, error) => log.debug({ client: client.id, err: error.message }, 'client error'));
  aedes.on('client', (client) => log.debug({ client: client.id }, 'client connected'));
  let boundPort: number;
  try {
    boundPort = await listen(server, port, host, 'broker');
  } catch (error) {
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
    throw error;
  }
  const url = `mqtt://${host}:${boundPort}`;
  log.info({ url }, 'broker listening');
  return {
    aedes,
    port: boundPort,
    url,
    async stop() {
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
