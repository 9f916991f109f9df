import type { SerialPort } from 'serialport';
import { closeSerialEndpoint, openSerialEndpoint } from '../serial-endpoint.js';

/** ESC/VP21 PWR codes (vectors README, "Epson ESC/VP21"). */
export const EpsonPower = { standby: '00', on: '01', warmUp: '02', cooling: '03', networkStandby: '04', abnormal: '05' } as const;

export interface EpsonOptions {
  /** Warm-up before `PWR ON` is acknowledged; real lamps take about 40 s (vectors README). */
  warmUpMs?: number;
  coolDownMs?: number;
  lampHours?: number;
  /** Time to answer a command; a real projector takes tens of milliseconds. */
  replyDelayMs?: number;
}

export class EpsonState {
  power: string = EpsonPower.standby;
  source = '30';
  lampHours = 1234;
  /** Faults: `silent` answers nothing (cable pulled), `garbage` sends noise before each reply. */
  fault: 'none' | 'silent' | 'garbage' = 'none';
  commands: string[] = [];
}

/**
 * An Epson projector on the device end of a pty: ESC/VP21 lines end in `\r`, every reply ends with the `:` prompt,
 * a query answers `KEY=value\r:`, a refused command `ERR\r:`. Commands are handled one at a time, as the projector
 * does: `PWR ON` holds its `:` until warm-up is over, and nothing else is read meanwhile.
 */
export async function startEpsonProjector(path: string, options: EpsonOptions = {}) {
  const { warmUpMs = 40_000, coolDownMs = 20_000, replyDelayMs = 15 } = options;
  const state = new EpsonState();
  if (options.lampHours !== undefined) state.lampHours = options.lampHours;
  const port: SerialPort = await openSerialEndpoint(path);
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, run: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      run();
    }, ms);
    timers.add(timer);
  };
  let buffer = '';
  let busy = false;
  const send = (text: string) => {
    if (!port.isOpen || state.fault === 'silent') return;
    if (state.fault === 'garbage') port.write(Buffer.from([0x00, 0xff, 0x3a, 0x0d, 0x7f]));
    port.write(text);
  };

  const handle = (command: string): { reply: string; afterMs?: number } => {
    if (command === '') return { reply: ':' };
    if (command === 'PWR?') return { reply: `PWR=${state.power}\r:` };
    if (command === 'LAMP?') return { reply: `LAMP=${state.lampHours}\r:` };
    if (command === 'PWR ON') {
      if (state.power === EpsonPower.on) return { reply: ':' };
      if (state.power !== EpsonPower.standby && state.power !== EpsonPower.networkStandby) return { reply: 'ERR\r:' };
      state.power = EpsonPower.warmUp;
      return { reply: ':', afterMs: warmUpMs };
    }
    if (command === 'PWR OFF') {
      if (state.power !== EpsonPower.on) return { reply: state.power === EpsonPower.standby ? ':' : 'ERR\r:' };
      state.power = EpsonPower.cooling;
      later(coolDownMs, () => {
        if (state.power === EpsonPower.cooling) state.power = EpsonPower.standby;
      });
      return { reply: ':' };
    }
    if (state.power !== EpsonPower.on) return { reply: 'ERR\r:' }; // source and the rest need the lamp on
    if (command === 'SOURCE?') return { reply: `SOURCE=${state.source}\r:` };
    const source = /^SOURCE ([0-9A-F]{2})$/.exec(command);
    if (source) {
      state.source = source[1]!;
      return { reply: ':' };
    }
    return { reply: 'ERR\r:' };
  };

  const next = () => {
    if (busy) return;
    const end = buffer.indexOf('\r');
    if (end < 0) {
      if (buffer.length > 1024) buffer = '';
      return;
    }
    const command = buffer.slice(0, end).trim();
    buffer = buffer.slice(end + 1);
    state.commands.push(command);
    busy = true;
    const { reply, afterMs } = handle(command);
    later(replyDelayMs + (afterMs ?? 0), () => {
      if (afterMs !== undefined && state.power === EpsonPower.warmUp) state.power = EpsonPower.on;
      send(reply);
      busy = false;
      next();
    });
  };
  port.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('latin1');
    next();
  });

  return {
    state,
    async stop() {
      for (const timer of timers) clearTimeout(timer);
      await closeSerialEndpoint(port);
    },
  };
}

export type RunningEpsonProjector = Awaited<ReturnType<typeof startEpsonProjector>>;
