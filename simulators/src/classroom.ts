import { type RunningEpsonProjector, startEpsonProjector } from './projectors/epson-escvp21.js';
import { type RunningPjlinkProjector, startPjlinkProjector } from './projectors/pjlink.js';
import { openPtyPair, type PtyPair } from './pty-pair.js';
import { type RunningRdm6300, startRdm6300 } from './readers/rdm6300.js';
import { MhZ19State, type RunningMhZ19, startMhZ19 } from './sensors/mh-z19.js';
import { type RunningModbusBus, SenseairS8State, SoundLevelState, startModbusBus } from './sensors/modbus-sensors.js';
import { XyMd02State } from './xy-md02.js';

export interface ClassroomSimulators {
  /** RS-485 bus: XY-MD02 at unit 2, sound level at unit 1 (host end of the pty). */
  rs485Port: string;
  /** Senseair S8 on its own UART (it answers 0xFE whatever its address). */
  s8Port: string;
  mhz19Port: string;
  rdm6300Port: string;
  epsonPort: string;
  pjlink: { host: string; port: number; udpPort: number | undefined; password: string };
  climate: XyMd02State;
  co2: SenseairS8State;
  sound: SoundLevelState;
  mhz19: MhZ19State;
  reader: RunningRdm6300;
  epson: RunningEpsonProjector;
  projector: RunningPjlinkProjector;
  /** Gateway config `devices:` entries that bind the agent to these simulators. */
  devices: Record<string, unknown>[];
  stop(): Promise<void>;
}

/**
 * A whole simulated classroom on loopback and pty pairs under `dir`, for the pilot and end-to-end tests:
 * sensors on an RS-485 bus and on UARTs, an RDM6300 card reader, an Epson projector on RS-232 and a PJLink one on TCP.
 * Warm-up times are shortened so a demo shows the states change.
 */
export async function startClassroomSimulators(dir: string, { pjlinkPassword = 'lophoc' } = {}): Promise<ClassroomSimulators> {
  const pairs: PtyPair[] = [];
  const stops: (() => Promise<void>)[] = [];
  const pair = async (name: string) => {
    const p = await openPtyPair(dir, name);
    pairs.push(p);
    return p;
  };
  try {
    const climate = new XyMd02State();
    climate.unitId = 2;
    const sound = new SoundLevelState();
    const co2 = new SenseairS8State();
    const rs485 = await pair('rs485');
    const bus: RunningModbusBus = await startModbusBus(rs485.device, [
      { unitId: 2, registers: { readInput: (a) => climate.readInput(a), readHolding: (a) => climate.readHolding(a) } },
      { unitId: 1, registers: sound },
    ]);
    stops.push(() => bus.stop());
    const s8Pair = await pair('s8');
    const s8 = await startModbusBus(s8Pair.device, [{ unitId: 0xfe, registers: co2 }]);
    stops.push(() => s8.stop());
    const mhz19Pair = await pair('mhz19');
    const mhz19State = new MhZ19State();
    const mhz19: RunningMhZ19 = await startMhZ19(mhz19Pair.device, mhz19State);
    stops.push(() => mhz19.stop());
    const readerPair = await pair('rdm6300');
    const reader = await startRdm6300(readerPair.device);
    stops.push(() => reader.stop());
    const epsonPair = await pair('epson');
    const epson = await startEpsonProjector(epsonPair.device, { warmUpMs: 5000, coolDownMs: 3000 });
    stops.push(() => epson.stop());
    const projector = await startPjlinkProjector({ password: pjlinkPassword, warmUpMs: 5000, coolDownMs: 3000 });
    stops.push(() => projector.stop());
    return {
      rs485Port: rs485.host,
      s8Port: s8Pair.host,
      mhz19Port: mhz19Pair.host,
      rdm6300Port: readerPair.host,
      epsonPort: epsonPair.host,
      pjlink: { host: projector.host, port: projector.port, udpPort: projector.udpPort, password: pjlinkPassword },
      climate,
      co2,
      sound,
      mhz19: mhz19State,
      reader,
      epson,
      projector,
      devices: [
        { id: 'th-1', profile: 'xy-md02', port: rs485.host, unitId: 2 },
        { id: 'noise-1', profile: 'sound-level-rs485', port: rs485.host, unitId: 1 },
        { id: 'co2-1', profile: 'senseair-s8', port: s8Pair.host },
        { id: 'co2-2', profile: 'mh-z19', port: mhz19Pair.host },
        { id: 'reader-1', profile: 'rdm6300', port: readerPair.host },
        { id: 'projector-1', profile: 'epson-escvp21', port: epsonPair.host },
        {
          id: 'projector-2',
          profile: 'pjlink',
          host: projector.host,
          tcpPort: projector.port,
          ...(projector.udpPort ? { udpPort: projector.udpPort } : {}),
          password: pjlinkPassword,
        },
      ],
      async stop() {
        for (const stop of stops.reverse()) await stop();
        for (const p of pairs.reverse()) await p.close();
      },
    };
  } catch (error) {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    for (const p of pairs.reverse()) await p.close().catch(() => undefined);
    throw error;
  }
}
