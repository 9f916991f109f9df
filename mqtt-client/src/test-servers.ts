import { once } from 'node:events';
import { createServer, connect as netConnect, type Server, type Socket } from 'node:net';
import mqttPacket, { type Packet } from 'mqtt-packet';

/** Test helpers: a scripted byte-level MQTT server, and a TCP proxy that can hold or cut a connection. */

export interface ScriptedConnection {
  socket: Socket;
  received: Packet[];
  send(packet: Packet): void;
  /** Waits for the next packet of `cmd` not yet taken, and takes it. */
  next(cmd: Packet['cmd'], timeoutMs?: number): Promise<Packet>;
  closed: Promise<void>;
}

/** A server that hands each accepted connection, parsed, to `onConnection` (which plays the broker's part). */
export async function scriptedServer(
  onConnection: (connection: ScriptedConnection) => void,
): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    const received: Packet[] = [];
    const parser = mqttPacket.parser({ protocolVersion: 4 });
    parser.on('packet', (packet: Packet) => received.push(packet));
    socket.on('data', (chunk: Buffer) => parser.parse(chunk));
    const closed = once(socket, 'close').then(() => {
      sockets.delete(socket);
    });
    onConnection({
      socket,
      received,
      closed,
      send: (packet) => socket.write(mqttPacket.generate(packet)),
      async next(cmd, timeoutMs = 5000) {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          const index = received.findIndex((packet) => packet.cmd === cmd);
          if (index >= 0) return received.splice(index, 1)[0] as Packet;
          if (Date.now() > deadline)
            throw new Error(`no ${cmd} within ${timeoutMs} ms (got ${received.map((p) => p.cmd).join(', ') || 'nothing'})`);
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      },
    });
  });
  return listen(server, sockets);
}

export interface Proxy {
  port: number;
  /** Packets the client sent, per connection, parsed. */
  fromClient: Packet[][];
  /** Stops forwarding the server's bytes to the client (its acknowledgements are withheld). */
  holdServer(): void;
  /** Cuts every proxied connection, as a network failure would (no DISCONNECT). */
  cut(): void;
  close(): Promise<void>;
}

/** A TCP proxy to 127.0.0.1:`target` that records what the client sends and can withhold or cut. */
export async function proxy(target: number): Promise<Proxy> {
  const sockets = new Set<Socket>();
  const fromClient: Packet[][] = [];
  let holding = false;
  const server = createServer((client) => {
    const upstream = netConnect(target, '127.0.0.1');
    const packets: Packet[] = [];
    fromClient.push(packets);
    const parser = mqttPacket.parser({ protocolVersion: 4 });
    parser.on('packet', (packet: Packet) => packets.push(packet));
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => {});
      socket.on('close', () => {
        sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    client.on('data', (chunk: Buffer) => {
      parser.parse(chunk);
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (!holding) client.write(chunk);
    });
  });
  const listening = await listen(server, sockets);
  return {
    ...listening,
    fromClient,
    holdServer() {
      holding = true;
    },
    cut() {
      holding = false;
      for (const socket of sockets) socket.destroy();
    },
  };
}

async function listen(server: Server, sockets: Set<Socket>): Promise<{ port: number; close(): Promise<void> }> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
