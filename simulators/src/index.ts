/** Protocol-accurate device simulators for tests, the pilot and benchmarks. */

export { type ClassroomSimulators, startClassroomSimulators } from './classroom.js';
export { crc16Modbus, hasValidCrc, withCrc } from './modbus/crc16.js';
export { ModbusException, ModbusRtuSlave, type RegisterBank, type RtuSlaveOptions, type RtuSlaveStats } from './modbus/rtu-slave.js';
export { type ModbusTcpServerOptions, type RunningModbusTcpServer, startModbusTcpServer } from './modbus/tcp-server.js';
export { type EscPosPrinterOptions, type PaperState, type RunningEscPosPrinter, startEscPosPrinter } from './printers/escpos-printer.js';
export { type EpsonOptions, EpsonPower, EpsonState, type RunningEpsonProjector, startEpsonProjector } from './projectors/epson-escvp21.js';
export { type PjlinkOptions, PjlinkPower, PjlinkState, type RunningPjlinkProjector, startPjlinkProjector } from './projectors/pjlink.js';
export { openPtyPair, type PtyPair } from './pty-pair.js';
export { RecordedHidDevice, type RecordedReport, recordTyping, wedgeTextForTag } from './readers/hid-recording.js';
export { type Rdm6300Options, type RunningRdm6300, rdm6300Frame, startRdm6300 } from './readers/rdm6300.js';
export { type RunningSerialQrScanner, startSerialQrScanner } from './scanners/serial-qr-scanner.js';
export { MhZ19State, mhz19Checksum, type RunningMhZ19, startMhZ19 } from './sensors/mh-z19.js';
export { type BusMember, type RunningModbusBus, SenseairS8State, SoundLevelState, startModbusBus } from './sensors/modbus-sensors.js';
export { driftRoomClimate, type RunningSimulator, startXyMd02, XyMd02State } from './xy-md02.js';
