import { createServer, type Socket } from 'node:net';
import { ModbusException, type RegisterBank } from './rtu-slave.js';

export interface ModbusTcpServerOptions {
  registers: RegisterBank & { unplugged?: boolean };
  /** Unit id answered; Modbus TCP devices commonly answer any (255 or 1) behind a gateway. */
  unitId?: number;
  host?: string;
  /** 0: any free port (Modbus TCP's own is 502). */
  port?: number;
  responseDelayMs?: number;
}

/**
 * A Modbus TCP device (Modbus Messaging on TCP/IP Implementation Guide §3.1): MBAP header (transaction id, protocol 0,
 * length, unit id) then the PDU; functions 03, 04 and 06 over a RegisterBank, exceptions 01/02/03 as the RTU slave.
 */
export async function startModbusTcpServer(options: ModbusTcpServerOptions) {
  const { registers, unitId, host = '127.0.0.1', responseDelayMs = 5 } = options;
  const sockets = new Set<Socket>();
  const stats = { requests: 0, answered: 0 };
  const answer = (pdu: Buffer): Buffer => {
    const fn = pdu[0]!;
    const exception = (code: number) => Buffer.from([fn | 0x80, code]);
    if (fn === 0x03 || fn === 0x04) {
      const read = fn === 0x04 ? registers.readInput : registers.readHolding;
      if (!read || pdu.length < 5) return exception(ModbusException.illegalFunction);
      const start = pdu.readUInt16BE(1);
      const count = pdu.readUInt16BE(3);
      if (count < 1 || count > 125) return exception(ModbusException.illegalDataValue);
      const data = Buffer.alloc(count * 2);
      for (let i = 0; i < count; i++) {
        const value = read.call(registers, start + i);
        if (value === undefined) return exception(ModbusException.illegalDataAddress);
        data.writeUInt16BE(value & 0xffff, i * 2);
      }
      return Buffer.concat([Buffer.from([fn, data.length]), data]);
    }
    if (fn === 0x06 && registers.writeHolding && pdu.length >= 5) {
      return registers.writeHolding(pdu.readUInt16BE(1), pdu.readUInt16BE(3))
        ? pdu.subarray(0, 5)
        : exception(ModbusException.illegalDataAddress);
    }
    return exception(ModbusException.illegalFunction);
  };
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let buffer = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      while (buffer.length >= 7) {
        const length = buffer.readUInt16BE(4);
        if (buffer.readUInt16BE(2) !== 0 || length < 2 || length > 254) return socket.destroy(); // not Modbus TCP
        if (buffer.length < 6 + length) return;
        const frame = buffer.subarray(0, 6 + length);
        buffer = buffer.subarray(6 + length);
        const unit = frame[6]!;
        stats.requests++;
        if (registers.unplugged || (unitId !== undefined && unit !== unitId)) continue;
        const pdu = answer(frame.subarray(7));
        const header = Buffer.alloc(7);
        frame.copy(header, 0, 0, 4);
        header.writeUInt16BE(pdu.length + 1, 4);
        header[6] = unit;
        setTimeout(() => {
          if (socket.destroyed) return;
          socket.write(Buffer.concat([header, pdu]));
          stats.answered++;
        }, responseDelayMs);
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  return {
    host,
    port: (server.address() as { port: number }).port,
    stats,
    async stop() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type RunningModbusTcpServer = Awaited<ReturnType<typeof startModbusTcpServer>>;
