import { createHash, randomBytes } from 'node:crypto';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';

/** PJLink POWR values (vectors README, "PJLink"). */
export const PjlinkPower = { standby: '0', on: '1', cooling: '2', warmUp: '3' } as const;

export interface PjlinkOptions {
  /** With a password the projector greets `PJLINK 1 <random>` and checks the MD5 digest on the first command. */
  password?: string;
  /** Answer class 2 (`%2SRCH` over UDP, notifications); class 1 only when false. */
  class2?: boolean;
  macAddress?: string;
  name?: string;
  warmUpMs?: number;
  coolDownMs?: number;
  /** PJLink projectors close a connection left idle for 30 s. */
  idleCloseMs?: number;
  /** Fixed greeting random, for tests against the vectors; random otherwise. */
  random?: () => string;
  host?: string;
  /** TCP port (0: any free one); PJLink's own is 4352. */
  port?: number;
  /** UDP port the class 2 search listens on (0: any free one). */
  udpPort?: number;
}

export class PjlinkState {
  power: string = PjlinkPower.standby;
  input = '31';
  avMute = '30';
  lampHours = 1500;
  /** ERST: fan, lamp, temperature, cover, filter, other; 0 ok, 1 warning, 2 error. */
  errors = '000000';
  /** `silent`: accept connections but never greet or answer (a hung network stack). */
  fault: 'none' | 'silent' = 'none';
  connections = 0;
  authFailures = 0;
}

const INPUTS = new Set(['11', '12', '21', '22', '31', '32', '33', '41', '51']);

/**
 * A PJLink projector on loopback: TCP for class 1 commands, UDP for the class 2 search and notifications.
 * Speaks the vectors: greeting, digest = lowercase hex MD5(random + password) before the first command only,
 * `PJLINK ERRA` for a wrong digest, `%1BODY=value` replies, `=OK` for sets, ERR1-ERR4.
 */
export async function startPjlinkProjector(options: PjlinkOptions = {}) {
  const {
    password,
    class2 = true,
    macAddress = '00:11:22:33:44:55',
    name = 'Máy chiếu P.101',
    warmUpMs = 30_000,
    coolDownMs = 15_000,
    idleCloseMs = 30_000,
    host = '127.0.0.1',
  } = options;
  const state = new PjlinkState();
  const timers = new Set<NodeJS.Timeout>();
  const sockets = new Set<Socket>();
  const controllers = new Set<string>(); // host:port of class 2 controllers that asked us something over UDP
  let udp: UdpSocket | undefined;

  const later = (ms: number, run: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      run();
    }, ms);
    timers.add(timer);
  };
  const notify = (message: string) => {
    if (!udp || !class2) return;
    for (const controller of controllers) {
      const [address, port] = controller.split(':');
      udp.send(`${message}\r`, Number(port), address);
    }
  };
  const setPower = (power: string) => {
    state.power = power;
    notify(`%2POWR=${power}`);
  };

  const answer = (line: string): string => {
    const match = /^%([12])([A-Z0-9]{4}) (.*)$/.exec(line);
    if (!match) return '%1ERR1'; // not even a PJLink command
    const [, cls, body, param] = match as unknown as [string, string, string, string];
    const reply = (value: string) => `%${cls}${body}=${value}`;
    if (cls === '2' && !class2) return reply('ERR1');
    switch (body) {
      case 'POWR':
        if (param === '?') return reply(state.power);
        if (param === '1') {
          if (state.power === PjlinkPower.cooling) return reply('ERR3');
          if (state.power === PjlinkPower.standby) {
            setPower(PjlinkPower.warmUp);
            later(warmUpMs, () => state.power === PjlinkPower.warmUp && setPower(PjlinkPower.on));
          }
          return reply('OK');
        }
        if (param === '0') {
          if (state.power === PjlinkPower.warmUp) return reply('ERR3');
          if (state.power === PjlinkPower.on) {
            setPower(PjlinkPower.cooling);
            later(coolDownMs, () => state.power === PjlinkPower.cooling && setPower(PjlinkPower.standby));
          }
          return reply('OK');
        }
        return reply('ERR2');
      case 'INPT':
        if (param === '?') return state.power === PjlinkPower.on ? reply(state.input) : reply('ERR3');
        if (!INPUTS.has(param)) return reply('ERR2');
        if (state.power !== PjlinkPower.on) return reply('ERR3');
        state.input = param;
        notify(`%2INPT=${param}`);
        return reply('OK');
      case 'AVMT':
        if (param === '?') return reply(state.avMute);
        if (!/^[123][01]$/.test(param)) return reply('ERR2');
        if (state.power !== PjlinkPower.on) return reply('ERR3');
        state.avMute = param;
        return reply('OK');
      case 'LAMP':
        return param === '?' ? reply(`${state.lampHours} ${state.power === PjlinkPower.on ? 1 : 0}`) : reply('ERR2');
      case 'ERST':
        return param === '?' ? reply(state.errors) : reply('ERR2');
      case 'NAME':
        return param === '?' ? reply(name) : reply('ERR2');
      case 'CLSS':
        return param === '?' ? reply(class2 ? '2' : '1') : reply('ERR2');
      case 'INF1':
        return param === '?' ? reply('LopHoc') : reply('ERR2');
      case 'INF2':
        return param === '?' ? reply('Simulated PJLink') : reply('ERR2');
      default:
        return reply('ERR1');
    }
  };

  const server: Server = createServer((socket) => {
    sockets.add(socket);
    state.connections++;
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    if (state.fault === 'silent') return;
    const random = password ? (options.random?.() ?? randomBytes(4).toString('hex')) : undefined;
    let authenticated = password === undefined;
    let buffer = '';
    let idle: NodeJS.Timeout | undefined;
    const touch = () => {
      if (idle) clearTimeout(idle);
      idle = setTimeout(() => socket.end(), idleCloseMs);
    };
    socket.on('close', () => idle && clearTimeout(idle));
    touch();
    socket.write(random ? `PJLINK 1 ${random}\r` : 'PJLINK 0\r');
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      if (buffer.length > 1024) return socket.destroy();
      for (let end = buffer.indexOf('\r'); end >= 0; end = buffer.indexOf('\r')) {
        let line = buffer.slice(0, end);
        buffer = buffer.slice(end + 1);
        touch();
        if (!authenticated) {
          const expected = createHash('md5').update(`${random}${password}`).digest('hex');
          if (line.slice(0, 32) !== expected) {
            state.authFailures++;
            socket.end('PJLINK ERRA\r');
            return;
          }
          authenticated = true;
          line = line.slice(32);
        }
        if (state.fault === 'silent') continue;
        socket.write(`${answer(line)}\r`);
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as { port: number }).port;

  let udpPort: number | undefined;
  if (class2) {
    const socket = createSocket('udp4');
    udp = socket;
    socket.on('message', (message, from) => {
      const text = message.toString('utf8').trim();
      controllers.add(`${from.address}:${from.port}`);
      if (text === '%2SRCH') socket.send(`%2ACKN=${macAddress}\r`, from.port, from.address);
    });
    await new Promise<void>((resolve) => socket.bind(options.udpPort ?? 0, host, () => resolve()));
    udpPort = socket.address().port;
  }

  return {
    state,
    host,
    port,
    udpPort,
    /** Registers a class 2 controller to notify (`%2LKUP`, `%2POWR`, …), as the SRCH sender is. */
    addController(address: string, controllerPort: number) {
      controllers.add(`${address}:${controllerPort}`);
      notify(`%2LKUP=${macAddress}`);
    },
    /** Sends a class 2 notification, e.g. `%2ERST=000000`, to every known controller. */
    notify,
    setPower,
    async stop() {
      for (const timer of timers) clearTimeout(timer);
      for (const socket of sockets) socket.destroy();
      udp?.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type RunningPjlinkProjector = Awaited<ReturnType<typeof startPjlinkProjector>>;
