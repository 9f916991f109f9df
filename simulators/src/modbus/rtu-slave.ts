import type { Duplex } from 'node:stream';
import { hasValidCrc, withCrc } from './crc16.js';

/** Modbus exception codes (Modbus Application Protocol v1.1b3, §7). */
export const ModbusException = { illegalFunction: 0x01, illegalDataAddress: 0x02, illegalDataValue: 0x03 } as const;

export interface RegisterBank {
  /** Function 04. Returns undefined for an address the device does not have. */
  readInput?(address: number): number | undefined;
  /** Function 03. */
  readHolding?(address: number): number | undefined;
  /** Functions 06 and 16 (one call per register). Returns false to refuse the value (exception 03). */
  writeHolding?(address: number, value: number): boolean;
}

export interface RtuSlaveOptions {
  unitId: number;
  registers: RegisterBank;
  /** Time the device takes to answer; real sensors answer in 10-50 ms. */
  responseDelayMs?: number;
  /** When set, the slave stays silent, as an unpowered device on the bus would. */
  silent?: () => boolean;
}

export interface RtuSlaveStats {
  requests: number;
  answered: number;
  crcErrors: number;
  otherUnits: number;
}

/** Request length per function code: 8 bytes, except 16 (write multiple), whose byte count is at offset 6. */
const requestLength = (buffer: Buffer): number | undefined => (buffer[1] === 0x10 ? (buffer.length < 7 ? undefined : 9 + buffer[6]!) : 8);
const MAX_REGISTERS_PER_WRITE = 123; // Modbus Application Protocol §6.12
const MAX_REGISTERS_PER_READ = 125; // Modbus Application Protocol §6.3/§6.4

/**
 * A Modbus RTU slave on a byte stream (one end of a pty pair). It frames requests by length and CRC,
 * resynchronises by dropping one byte at a time after garbage, and ignores frames for other unit ids,
 * as a device sharing an RS-485 bus must.
 */
export class ModbusRtuSlave {
  readonly stats: RtuSlaveStats = { requests: 0, answered: 0, crcErrors: 0, otherUnits: 0 };
  private buffer = Buffer.alloc(0);
  private readonly onData = (chunk: Buffer) => this.receive(chunk);

  constructor(
    private readonly stream: Duplex,
    private readonly options: RtuSlaveOptions,
  ) {
    stream.on('data', this.onData);
  }

  detach(): void {
    this.stream.off('data', this.onData);
  }

  private receive(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    while (this.buffer.length >= 2) {
      const length = requestLength(this.buffer);
      if (length === undefined || this.buffer.length < length) return;
      const frame = this.buffer.subarray(0, length);
      if (!hasValidCrc(frame)) {
        this.stats.crcErrors++;
        this.buffer = this.buffer.subarray(1);
        continue;
      }
      this.buffer = this.buffer.subarray(length);
      this.handle(Buffer.from(frame));
    }
  }

  private handle(frame: Buffer): void {
    const unit = frame[0]!;
    if (unit !== this.options.unitId) {
      this.stats.otherUnits++;
      return;
    }
    this.stats.requests++;
    if (this.options.silent?.()) return;
    const reply = this.answer(frame);
    const delay = this.options.responseDelayMs ?? 20;
    setTimeout(() => {
      if (this.stream.destroyed) return;
      this.stream.write(withCrc(reply));
      this.stats.answered++;
    }, delay);
  }

  private answer(frame: Buffer): Buffer {
    const unit = frame[0]!;
    const fn = frame[1]!;
    const exception = (code: number) => Buffer.from([unit, fn | 0x80, code]);
    const { registers } = this.options;
    if (fn === 0x03 || fn === 0x04) {
      const read = fn === 0x04 ? registers.readInput : registers.readHolding;
      if (!read) return exception(ModbusException.illegalFunction);
      const start = frame.readUInt16BE(2);
      const count = frame.readUInt16BE(4);
      if (count < 1 || count > MAX_REGISTERS_PER_READ) return exception(ModbusException.illegalDataValue);
      const data = Buffer.alloc(count * 2);
      for (let i = 0; i < count; i++) {
        const value = read.call(registers, start + i);
        if (value === undefined) return exception(ModbusException.illegalDataAddress);
        data.writeUInt16BE(value & 0xffff, i * 2);
      }
      return Buffer.concat([Buffer.from([unit, fn, data.length]), data]);
    }
    if (fn === 0x06 && registers.writeHolding) {
      const ok = registers.writeHolding(frame.readUInt16BE(2), frame.readUInt16BE(4));
      return ok ? frame.subarray(0, 6) : exception(ModbusException.illegalDataValue);
    }
    if (fn === 0x10 && registers.writeHolding) {
      const start = frame.readUInt16BE(2);
      const count = frame.readUInt16BE(4);
      if (count < 1 || count > MAX_REGISTERS_PER_WRITE || frame[6] !== count * 2) return exception(ModbusException.illegalDataValue);
      for (let i = 0; i < count; i++) {
        if (!registers.writeHolding(start + i, frame.readUInt16BE(7 + i * 2))) return exception(ModbusException.illegalDataValue);
      }
      return frame.subarray(0, 6);
    }
    return exception(ModbusException.illegalFunction);
  }
}
