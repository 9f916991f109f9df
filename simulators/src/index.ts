/** Protocol-accurate device simulators for tests, the pilot and benchmarks. */

export { crc16Modbus, hasValidCrc, withCrc } from './modbus/crc16.js';
export { ModbusException, ModbusRtuSlave, type RegisterBank, type RtuSlaveOptions, type RtuSlaveStats } from './modbus/rtu-slave.js';
export { openPtyPair, type PtyPair } from './pty-pair.js';
export { driftRoomClimate, type RunningSimulator, startXyMd02, XyMd02State } from './xy-md02.js';
