import { createSocket, type Socket } from 'node:dgram';
import type { Logger } from '@lophoc/scripts/logger';

/** Class 2 notification bodies and the reading each updates (vectors README, "PJLink": `%2POWR=1`, `%2INPT=31`). */
const READING_OF: Record<string, string> = { POWR: 'power', INPT: 'input' };

export interface NotifiedDevice {
  device: string;
  host: string;
  /** The projector's class 2 UDP port (4352). */
  udpPort: number;
  notified(reading: string, raw: string): void;
}

/**
 * Listens for PJLink class 2 notifications (`%2POWR=…`, `%2INPT=…`, `%2LKUP=…`, `%2ERST=…`) on a UDP port and hands
 * power and input changes to the projector's driver, so a change is seen at once instead of at the next poll.
 * At start it sends `%2SRCH` to each projector from the listening socket, which makes the projector know this
 * controller (and answers `%2ACKN`, proving class 2 support).
 */
export class PjlinkNotificationListener {
  private socket: Socket | undefined;
  readonly acknowledged = new Set<string>();

  constructor(
    private readonly devices: readonly NotifiedDevice[],
    private readonly options: { port: number; bindAddress?: string; log: Logger },
  ) {}

  get port(): number | undefined {
    return this.socket?.address().port;
  }

  async start(): Promise<void> {
    const socket = createSocket({ type: 'udp4', reuseAddr: true });
    this.socket = socket;
    socket.on('message', (message, from) => this.receive(message.toString('utf8'), from.address));
    socket.on('error', (error) => this.options.log.warn({ err: error.message }, 'PJLink notification socket error'));
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind({ port: this.options.port, ...(this.options.bindAddress ? { address: this.options.bindAddress } : {}) }, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    for (const device of this.devices) socket.send('%2SRCH\r', device.udpPort, device.host);
  }

  async stop(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    if (socket) await new Promise<void>((resolve) => socket.close(() => resolve()));
  }

  private receive(text: string, address: string): void {
    const targets = this.devices.filter((device) => device.host === address);
    if (targets.length === 0) return; // not one of ours: ignore, never trust
    for (const line of text.split('\r')) {
      const match = /^%2([A-Z]{4})=(.{1,64})$/.exec(line.trim());
      if (!match) continue;
      const [, body, value] = match as unknown as [string, string, string];
      if (body === 'ACKN') {
        for (const target of targets) this.acknowledged.add(target.device);
        continue;
      }
      const reading = READING_OF[body];
      if (reading) for (const target of targets) target.notified(reading, value);
    }
  }
}
