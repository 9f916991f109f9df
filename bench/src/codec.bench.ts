import { createRequire } from 'node:module';
import { decodeMessage, encodeMessage } from '@lophoc/protocol';
import { crc16Modbus } from '@lophoc/simulators';
import { opsPerSecond, printTable } from './measure.js';

/**
 * Per-message costs on the hot paths of the walking skeleton, each beside a named peer:
 * - CRC-16/MODBUS of a sensor response: ours (simulators) vs modbus-serial's `utils/crc16` (the driver's);
 * - decoding a telemetry message (topic parse + JSON + zod validation) vs bare `JSON.parse`, the floor any
 *   JSON ingest pays, to show what validation costs.
 */
export default function runCodecBench(): void {
  const require = createRequire(import.meta.url);
  const modbusSerialCrc = require('modbus-serial/utils/crc16') as (buffer: Buffer) => number;
  const response = Buffer.from('010404013102222ACE', 'hex').subarray(0, 7);
  if (crc16Modbus(response) !== modbusSerialCrc(response)) throw new Error('CRC implementations disagree');

  const message = encodeMessage(
    { kind: 'telemetry', site: 'ttht-cho-lon', node: 'gw-p101', device: 'th-1' },
    { v: 1, ts: Date.now(), seq: 42, values: { temperature: 30.5, humidity: 54.6 } },
  );
  printTable('Codec hot paths (single core, ops/s, median of 5 rounds)', [
    {
      case: 'CRC-16/MODBUS, 7-byte XY-MD02 response',
      ours: opsPerSecond(() => crc16Modbus(response)),
      peer: opsPerSecond(() => modbusSerialCrc(response)),
      peerName: 'modbus-serial utils/crc16',
    },
    {
      case: 'decode telemetry message (topic+JSON+zod)',
      ours: opsPerSecond(() => decodeMessage(message.topic, message.payload)),
      peer: opsPerSecond(() => JSON.parse(message.payload.toString('utf8'))),
      peerName: 'JSON.parse alone (floor)',
    },
  ]);
}
