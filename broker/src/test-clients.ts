import { once } from 'node:events';
import { connect as netConnect, type Socket } from 'node:net';
import mqtt, { type IClientOptions, type IPublishPacket, type MqttClient } from 'mqtt';
import { generate, type Packet, parser as parser_ } from 'mqtt-packet';

/** Real MQTT.js clients for the broker tests: no automatic reconnect, so a refusal is seen as one. */
export async function connect(url: string, options: IClientOptions = {}): Promise<MqttClient> {
  const client = await mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 5000, protocolVersion: 4, ...options }, false);
  // A broker closing the connection (what several tests expect) surfaces as ECONNRESET: not a test failure.
  client.on('error', () => {});
  return client;
}

/** SUBSCRIBE and the SUBACK's return codes as sent (MQTT.js rejects the whole call when one is 0x80). */
export function subscribeCodes(client: MqttClient, filters: string[], qos: 0 | 1 | 2 = 1): Promise<number[]> {
  return new Promise((resolve) => {
    const onPacket = (packet: { cmd: string; granted?: (number | object)[] }) => {
      if (packet.cmd !== 'suback') return;
      client.off('packetreceive', onPacket);
      resolve((packet.granted ?? []).map((code) => (typeof code === 'number' ? code : -1)));
    };
    client.on('packetreceive', onPacket);
    client.subscribe(filters, { qos }, () => {});
  });
}

/** The CONNACK return code a refused connection got. */
export async function refusalCode(url: string, options: IClientOptions): Promise<number | undefined> {
  try {
    const client = await connect(url, options);
    await client.endAsync();
    return 0;
  } catch (error) {
    return (error as { code?: number }).code;
  }
}

/** Collects messages as they arrive; `next(n)` waits for n more. */
export function collect(client: MqttClient) {
  const messages: IPublishPacket[] = [];
  client.on('message', (_topic, _payload, packet) => messages.push(packet));
  return {
    messages,
    async waitFor(count: number, timeoutMs = 5000): Promise<IPublishPacket[]> {
      const deadline = Date.now() + timeoutMs;
      while (messages.length < count) {
        if (Date.now() > deadline)
          throw new Error(`expected ${count} messages, got ${messages.length}: ${messages.map((m) => m.topic).join(', ')}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      return messages;
    },
  };
}

export async function closed(client: MqttClient, timeoutMs = 5000): Promise<void> {
  if (!client.connected) return;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('connection was not closed')), timeoutMs);
  });
  await Promise.race([once(client as unknown as NodeJS.EventEmitter, 'close'), timeout]).finally(() => clearTimeout(timer));
}

/**
 * A raw TCP client that sends a CONNECT then `publish`'s header and body as real bytes, and resolves when the
 * broker closes the connection (MQTT.js itself throws an uncaught ECONNRESET when cut off mid-write).
 */
export function sendOversizedPublish(
  port: number,
  connectOptions: { clientId: string; username?: string; password?: string },
  topic: string,
  payloadBytes: number,
): Promise<void> {
  return new Promise((resolve) => {
    const socket = netConnect(port, '127.0.0.1');
    socket.on('error', () => {});
    socket.on('close', () => resolve());
    socket.write(
      generate({
        cmd: 'connect',
        protocolId: 'MQTT',
        protocolVersion: 4,
        clean: true,
        keepalive: 30,
        clientId: connectOptions.clientId,
        username: connectOptions.username,
        password: connectOptions.password === undefined ? undefined : Buffer.from(connectOptions.password),
      }),
    );
    socket.once('data', () => {
      socket.write(generate({ cmd: 'publish', topic, payload: Buffer.alloc(payloadBytes), qos: 0, retain: false, dup: false }));
    });
  });
}

/** A byte-level MQTT 3.1.1 client (mqtt-packet over a socket): for behaviour MQTT.js hides, like withholding PUBACK. */
export class RawClient {
  readonly received: Packet[] = [];
  closed = false;
  private constructor(private readonly socket: Socket) {
    const parser = parser_({ protocolVersion: 4 });
    parser.on('packet', (packet: Packet) => this.received.push(packet));
    socket.on('data', (chunk: Buffer) => parser.parse(chunk));
    socket.on('error', () => {});
    socket.on('close', () => {
      this.closed = true;
    });
  }

  static async open(port: number): Promise<RawClient> {
    const socket = netConnect(port, '127.0.0.1');
    await once(socket, 'connect');
    return new RawClient(socket);
  }

  send(packet: Packet): void {
    this.socket.write(generate(packet));
  }

  /** Waits for the next packet of `cmd` not yet taken, and takes it. */
  async next(cmd: Packet['cmd'], timeoutMs = 5000): Promise<Packet> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.received.findIndex((packet) => packet.cmd === cmd);
      if (index >= 0) return this.received.splice(index, 1)[0] as Packet;
      if (Date.now() > deadline)
        throw new Error(`no ${cmd} within ${timeoutMs} ms (got ${this.received.map((p) => p.cmd).join(', ') || 'nothing'})`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  async connect(clientId: string, options: { clean?: boolean; keepalive?: number } = {}): Promise<Packet> {
    this.send({
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: 4,
      clean: options.clean ?? true,
      keepalive: options.keepalive ?? 30,
      clientId,
    });
    return this.next('connack');
  }

  /** Drops the TCP connection without DISCONNECT, as a power cut would. */
  destroy(): void {
    this.socket.destroy();
  }
}
