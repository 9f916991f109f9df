import { ModbusRtuSlave, type RegisterBank } from '../modbus/rtu-slave.js';
import { closeSerialEndpoint, openSerialEndpoint } from '../serial-endpoint.js';

/**
 * Senseair S8 (vectors README, "Modbus RTU"): input register 3 is CO2 in ppm; it answers address 0xFE whatever
 * its own address (`FE 04 00 03 00 01 D5 C5` → `FE 04 02 01 90 AC D8` = 400 ppm). Input registers 0-2 are status.
 */
export class SenseairS8State implements RegisterBank {
  co2Ppm = 400;
  unplugged = false;
  readInput(address: number): number | undefined {
    if (address === 3) return this.co2Ppm & 0xffff;
    if (address >= 0 && address <= 2) return 0;
    return undefined;
  }
}

/** The common RS-485 sound level sensor (vectors README): holding register 0 in tenths of a dB (0x021C = 54.0 dB). */
export class SoundLevelState implements RegisterBank {
  decibels = 54;
  unplugged = false;
  readHolding(address: number): number | undefined {
    return address === 0 ? Math.round(this.decibels * 10) & 0xffff : undefined;
  }
}

export interface BusMember {
  unitId: number;
  registers: RegisterBank & { unplugged?: boolean };
  responseDelayMs?: number;
}

/**
 * Several Modbus RTU slaves on one RS-485 bus (one pty end): each sees every request and answers only its own
 * unit id, as transceivers on a shared pair do.
 */
export async function startModbusBus(path: string, members: BusMember[]) {
  const port = await openSerialEndpoint(path);
  const slaves = members.map(
    (member) =>
      new ModbusRtuSlave(port, {
        unitId: member.unitId,
        registers: member.registers,
        responseDelayMs: member.responseDelayMs ?? 20,
        silent: () => member.registers.unplugged === true,
      }),
  );
  return {
    slaves,
    async stop() {
      for (const slave of slaves) slave.detach();
      await closeSerialEndpoint(port);
    },
  };
}

export type RunningModbusBus = Awaited<ReturnType<typeof startModbusBus>>;
