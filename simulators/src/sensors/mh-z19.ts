import { closeSerialEndpoint, openSerialEndpoint } from '../serial-endpoint.js';

/** MH-Z19 checksum (vectors README, "Winsen MH-Z19"): 0xFF − (sum of bytes 1..7) + 1, mod 256. */
export function mhz19Checksum(frame: Uint8Array): number {
  let sum = 0;
  for (let i = 1; i <= 7; i++) sum = (sum + frame[i]!) & 0xff;
  return (0x100 - sum) & 0xff;
}

export class MhZ19State {
  co2Ppm = 400;
  /** Sent as byte 4, +40 (the vector's 0x40 is 24 °C). */
  temperatureC = 24;
  /** `silent`: no answer; `bad-checksum`: the reply's checksum is wrong; `short`: only half a reply. */
  fault: 'none' | 'silent' | 'bad-checksum' | 'short' = 'none';
  requests = 0;
}

/**
 * A Winsen MH-Z19 on the device end of a pty: 9-byte frames; `FF 01 86 … 79` (read CO2) is answered with
 * `FF 86 HH LL TT 00 00 00 CS` (vector: 400 ppm → `FF 86 01 90 40 00 00 00 A9`). Other valid commands get no reply.
 */
export async function startMhZ19(path: string, state = new MhZ19State(), replyDelayMs = 10) {
  const port = await openSerialEndpoint(path);
  let buffer = Buffer.alloc(0);
  const timers = new Set<NodeJS.Timeout>();
  port.on('data', (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    while (buffer.length >= 9) {
      const start = buffer.indexOf(0xff);
      if (start < 0) {
        buffer = Buffer.alloc(0);
        return;
      }
      buffer = buffer.subarray(start);
      if (buffer.length < 9) return;
      const frame = buffer.subarray(0, 9);
      if (mhz19Checksum(frame) !== frame[8] || frame[1] !== 0x01) {
        buffer = buffer.subarray(1);
        continue;
      }
      buffer = buffer.subarray(9);
      state.requests++;
      if (frame[2] !== 0x86 || state.fault === 'silent') continue;
      const reply = Buffer.from([
        0xff,
        0x86,
        (state.co2Ppm >> 8) & 0xff,
        state.co2Ppm & 0xff,
        Math.round(state.temperatureC + 40),
        0,
        0,
        0,
        0,
      ]);
      reply[8] = mhz19Checksum(reply) ^ (state.fault === 'bad-checksum' ? 0x5a : 0);
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (port.isOpen) port.write(state.fault === 'short' ? reply.subarray(0, 4) : reply);
      }, replyDelayMs);
      timers.add(timer);
    }
  });
  return {
    state,
    async stop() {
      for (const timer of timers) clearTimeout(timer);
      await closeSerialEndpoint(port);
    },
  };
}

export type RunningMhZ19 = Awaited<ReturnType<typeof startMhZ19>>;
