import modbusSerial from 'modbus-serial';
import type { RegisterFunction } from './request-plan.js';

export interface SerialSettings {
  baudRate: number;
  dataBits: 5 | 6 | 7 | 8;
  parity: 'none' | 'even' | 'odd';
  stopBits: 1 | 2;
}

export interface BusRequest {
  unitId: number;
  function: RegisterFunction;
  address: number;
  count: number;
  timeoutMs: number;
}

/**
 * One Modbus RTU master on one serial port (an RS-485 bus may carry several devices at different unit ids).
 * RTU is half-duplex: exactly one request is in flight at a time, so requests are queued here.
 * Framing and CRC are modbus-serial's (DESIGN §8).
 */
export class ModbusRtuBus {
  // modbus-serial is CommonJS; its typings declare the class as `default`, which it also sets at run time.
  private readonly client = new modbusSerial.default();
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(readonly path: string) {}

  static async open(path: string, settings: SerialSettings): Promise<ModbusRtuBus> {
    const bus = new ModbusRtuBus(path);
    await bus.client.connectRTUBuffered(path, { ...settings });
    return bus;
  }

  get isOpen(): boolean {
    return !this.closed && this.client.isOpen;
  }

  /** Reads `count` registers; resolves with the raw 16-bit words. */
  read(request: BusRequest): Promise<number[]> {
    const run = async () => {
      if (!this.isOpen) throw new Error(`serial port ${this.path} is closed`);
      this.client.setID(request.unitId);
      this.client.setTimeout(request.timeoutMs);
      const result =
        request.function === 'input'
          ? await this.client.readInputRegisters(request.address, request.count)
          : await this.client.readHoldingRegisters(request.address, request.count);
      return result.data;
    };
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue;
    await new Promise<void>((resolve) => {
      if (!this.client.isOpen) return resolve();
      this.client.close(() => resolve());
    });
  }
}
