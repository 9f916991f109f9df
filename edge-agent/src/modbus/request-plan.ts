import { type RegisterLayout, registerCount } from './register-value.js';

export type RegisterFunction = 'input' | 'holding' | 'coil' | 'discrete';

export interface ModbusReadingSpec {
  name: string;
  function: RegisterFunction;
  address: number;
  layout: RegisterLayout;
}

export interface ReadRequest {
  function: RegisterFunction;
  address: number;
  count: number;
  readings: { name: string; index: number; layout: RegisterLayout }[];
}

/** Modbus Application Protocol §6.3/§6.4: at most 125 registers in one read. */
const MAX_REGISTERS = 125;

/**
 * Coalesces readings polled together into as few requests as possible: readings of the same function
 * whose registers are contiguous share one request (the XY-MD02 vector reads registers 1-2 at once).
 */
export function planReads(readings: readonly ModbusReadingSpec[]): ReadRequest[] {
  const sorted = [...readings].sort((a, b) => (a.function === b.function ? a.address - b.address : a.function < b.function ? -1 : 1));
  const requests: ReadRequest[] = [];
  for (const reading of sorted) {
    const size = registerCount(reading.layout.type);
    const last = requests.at(-1);
    const end = last ? last.address + last.count : -1;
    if (last && last.function === reading.function && reading.address === end && last.count + size <= MAX_REGISTERS) {
      last.readings.push({ name: reading.name, index: last.count, layout: reading.layout });
      last.count += size;
      continue;
    }
    const overlaps = last && last.function === reading.function && reading.address < end;
    if (overlaps) {
      const index = reading.address - last.address;
      if (index + size <= last.count) {
        last.readings.push({ name: reading.name, index, layout: reading.layout });
        continue;
      }
    }
    requests.push({
      function: reading.function,
      address: reading.address,
      count: size,
      readings: [{ name: reading.name, index: 0, layout: reading.layout }],
    });
  }
  return requests;
}
