import { SerialPort } from 'serialport';
import { ModbusRtuSlave } from './modbus/rtu-slave.js';

/**
 * XY-MD02 (SHT20) temperature and humidity sensor, Modbus RTU 9600 8N1 (vectors README, "Modbus RTU").
 * Input registers: 0x0001 temperature (signed, ×0.1 °C), 0x0002 relative humidity (×0.1 %RH).
 * Holding registers: 0x0101 unit id, 0x0102 baud-rate code, 0x0103 temperature correction, 0x0104 humidity correction.
 * Writes (functions 06 and 16): unit id 1..247, baud code 0..2 (9600, 14400, 19200), corrections −10.0..10.0
 * (signed, ×0.1); anything else is refused with exception 03. Unit id and baud rate take effect after a power cycle.
 */
export class XyMd02State {
  temperatureC = 30.5;
  humidityPct = 54.6;
  unitId = 1;
  baudCode = 0; // 0 = 9600
  temperatureCorrection = 0;
  humidityCorrection = 0;
  /** While true the sensor does not answer, as if unplugged from the bus. */
  unplugged = false;

  readInput(address: number): number | undefined {
    if (address === 0x0001) return Math.round((this.temperatureC + this.temperatureCorrection / 10) * 10) & 0xffff;
    if (address === 0x0002) return Math.round((this.humidityPct + this.humidityCorrection / 10) * 10) & 0xffff;
    return undefined;
  }

  readHolding(address: number): number | undefined {
    switch (address) {
      case 0x0101:
        return this.unitId;
      case 0x0102:
        return this.baudCode;
      case 0x0103:
        return this.temperatureCorrection & 0xffff;
      case 0x0104:
        return this.humidityCorrection & 0xffff;
      default:
        return undefined;
    }
  }

  writeHolding(address: number, value: number): boolean {
    const signed = value >= 0x8000 ? value - 0x10000 : value;
    switch (address) {
      case 0x0101:
        if (value < 1 || value > 247) return false;
        this.unitId = value;
        return true;
      case 0x0102:
        if (value > 2) return false;
        this.baudCode = value;
        return true;
      case 0x0103:
      case 0x0104:
        if (signed < -100 || signed > 100) return false;
        if (address === 0x0103) this.temperatureCorrection = signed;
        else this.humidityCorrection = signed;
        return true;
      default:
        return false;
    }
  }
}

export interface RunningSimulator {
  readonly slave: ModbusRtuSlave;
  stop(): Promise<void>;
}

/** Serves an XY-MD02 on a serial path (normally the device end of a pty pair). */
export async function startXyMd02(path: string, state = new XyMd02State()): Promise<RunningSimulator & { state: XyMd02State }> {
  const port = new SerialPort({ path, baudRate: 9600, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((error) => (error ? reject(error) : resolve())));
  const slave = new ModbusRtuSlave(port, { unitId: state.unitId, registers: state, silent: () => state.unplugged });
  return {
    slave,
    state,
    async stop() {
      slave.detach();
      if (port.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
    },
  };
}

/** A slow, bounded random walk so the pilot's console shows a living room, not a constant. */
export function driftRoomClimate(state: XyMd02State, random: () => number = Math.random): void {
  const step = (value: number, min: number, max: number, size: number) =>
    Math.min(max, Math.max(min, Math.round((value + (random() - 0.5) * size) * 10) / 10));
  state.temperatureC = step(state.temperatureC, 24, 36, 0.4);
  state.humidityPct = step(state.humidityPct, 40, 85, 1);
}
