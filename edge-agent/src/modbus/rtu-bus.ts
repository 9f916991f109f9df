import { EventEmitter } from 'node:events';
import { access } from 'node:fs/promises';
import type modbusSerial from 'modbus-serial';
import { Backoff, type BackoffOptions } from '../transports/backoff.js';
import type { SerialSettings } from '../transports/serial-link.js';
import type { RegisterFunction } from './request-plan.js';

export type { SerialSettings } from '../transports/serial-link.js';

export interface BusRequest {
  unitId: number;
  function: RegisterFunction;
  address: number;
  count: number;
  timeoutMs: number;
}

export interface BusWrite {
  unitId: number;
  function: 'holding' | 'coil';
  address: number;
  /** One 16-bit word (fn 06), two words (fn 16) or a coil (fn 05). */
  words: number[];
  timeoutMs: number;
}

type Client = InstanceType<typeof modbusSerial.default>;
type Endpoint = { kind: 'rtu'; path: string; settings: SerialSettings } | { kind: 'tcp'; host: string; port: number };

interface Job {
  run: (client: Client) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

export interface BusEvents {
  up: [];
  down: [reason: string];
}

/**
 * One Modbus master: an RS-485 serial bus (RTU) or a TCP connection. Several devices at different unit ids share it.
 * RTU is half-duplex, so exactly one request is in flight; requests wait in one queue per unit id and the queues take
 * turns (round robin), so a device that keeps timing out delays each other device by at most one request.
 * When the port disappears the bus reports `down` with the reason, fails requests at once, and reopens with backoff.
 * Framing and CRC are modbus-serial's (DESIGN §8).
 */
export class ModbusRtuBus extends EventEmitter<BusEvents> {
  private client: Client | undefined;
  private readonly queues = new Map<number, Job[]>();
  private readonly order: number[] = [];
  private busy = false;
  private closed = false;
  private reason: string | undefined;
  private retry: NodeJS.Timeout | undefined;
  private readonly backoff: Backoff;
  private idle: Promise<void> = Promise.resolve();
  private settleIdle: (() => void) | undefined;

  private constructor(
    readonly path: string,
    private readonly endpoint: Endpoint,
    backoff: BackoffOptions,
  ) {
    super();
    this.backoff = new Backoff(backoff);
  }

  /** Opens a serial bus; fails if the port cannot be opened now (the agent checks ports at start-up). */
  static async open(path: string, settings: SerialSettings, backoff: BackoffOptions = {}): Promise<ModbusRtuBus> {
    const bus = new ModbusRtuBus(path, { kind: 'rtu', path, settings }, backoff);
    bus.client = await bus.connect();
    return bus;
  }

  /** A Modbus TCP connection; when the device is not reachable yet it keeps trying in the background. */
  static openTcp(host: string, port: number, backoff: BackoffOptions = {}): ModbusRtuBus {
    const bus = new ModbusRtuBus(`${host}:${port}`, { kind: 'tcp', host, port }, backoff);
    bus.reason = 'not connected yet';
    bus.reopen();
    return bus;
  }

  get isOpen(): boolean {
    return !this.closed && this.client?.isOpen === true;
  }

  get downReason(): string | undefined {
    return this.reason;
  }

  /** Reads `count` registers; resolves with the raw 16-bit words. */
  read(request: BusRequest): Promise<number[]> {
    return this.enqueue(request.unitId, async (client) => {
      client.setID(request.unitId);
      client.setTimeout(request.timeoutMs);
      const result =
        request.function === 'input'
          ? await client.readInputRegisters(request.address, request.count)
          : request.function === 'holding'
            ? await client.readHoldingRegisters(request.address, request.count)
            : request.function === 'coil'
              ? { data: (await client.readCoils(request.address, request.count)).data.map(Number) }
              : { data: (await client.readDiscreteInputs(request.address, request.count)).data.map(Number) };
      return result.data.slice(0, request.count);
    }) as Promise<number[]>;
  }

  write(request: BusWrite): Promise<void> {
    return this.enqueue(request.unitId, async (client) => {
      client.setID(request.unitId);
      client.setTimeout(request.timeoutMs);
      // modbus-serial checks the reply's CRC, unit and function but not what it echoes: a device that stored
      // something else (or answered another request) must fail the command, not pass it.
      const expected = (what: string, got: unknown, want: unknown) => {
        if (got !== want) throw new Error(`unit ${request.unitId} echoed ${what} ${String(got)}, expected ${String(want)}`);
      };
      if (request.function === 'coil') {
        const reply = await client.writeCoil(request.address, request.words[0] !== 0);
        expected('coil address', reply.address, request.address);
        expected('coil state', reply.state, request.words[0] !== 0);
      } else if (request.words.length === 1) {
        const reply = await client.writeRegister(request.address, request.words[0]!);
        expected('register address', reply.address, request.address);
        expected('register value', reply.value, request.words[0]! & 0xffff);
      } else {
        const reply = await client.writeRegisters(request.address, request.words);
        expected('register address', reply.address, request.address);
        expected('register count', reply.length, request.words.length);
      }
    }) as Promise<void>;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    for (const jobs of this.queues.values()) for (const job of jobs.splice(0)) job.reject(new Error(`bus ${this.path} closed`));
    await this.idle;
    const client = this.client;
    this.client = undefined;
    await new Promise<void>((resolve) => {
      if (!client?.isOpen) return resolve();
      client.close(() => resolve());
    });
    this.removeAllListeners();
  }

  private enqueue(unitId: number, run: Job['run']): Promise<unknown> {
    return new Promise((resolve, reject) => {
      if (this.closed) return reject(new Error(`bus ${this.path} closed`));
      if (!this.isOpen) return reject(new Error(`${this.describe()} is down: ${this.reason ?? 'closed'}`));
      let queue = this.queues.get(unitId);
      if (!queue) {
        queue = [];
        this.queues.set(unitId, queue);
      }
      queue.push({ run, resolve, reject });
      if (!this.order.includes(unitId)) this.order.push(unitId);
      this.pump();
    });
  }

  /** Runs the next job, taking unit ids in turn. */
  private pump(): void {
    if (this.busy) return;
    const unitId = this.order.shift();
    if (unitId === undefined) return;
    const queue = this.queues.get(unitId)!;
    const job = queue.shift()!;
    if (queue.length > 0) this.order.push(unitId);
    this.busy = true;
    this.idle = new Promise((resolve) => {
      this.settleIdle = resolve;
    });
    const client = this.client;
    const run =
      client && this.isOpen ? job.run(client) : Promise.reject(new Error(`${this.describe()} is down: ${this.reason ?? 'closed'}`));
    run.then(job.resolve, job.reject).finally(() => {
      this.busy = false;
      this.settleIdle?.();
      this.pump();
    });
  }

  private describe(): string {
    return this.endpoint.kind === 'rtu' ? `serial port ${this.path}` : `Modbus TCP ${this.path}`;
  }

  private async connect(): Promise<Client> {
    // Loaded on first use: a gateway without Modbus devices does not carry modbus-serial (memory, start-up).
    const { default: ModbusClient } = (await import('modbus-serial')).default;
    const client = new ModbusClient();
    client.on('error', () => undefined); // failures surface as the request's rejection or as 'close'
    if (this.endpoint.kind === 'rtu') await client.connectRTUBuffered(this.endpoint.path, { ...this.endpoint.settings });
    else await client.connectTCP(this.endpoint.host, { port: this.endpoint.port });
    client.on('close', () => this.lost(client, `${this.describe()} closed (unplugged?)`));
    if (this.endpoint.kind === 'rtu') this.watchPresence(client, this.endpoint.path);
    return client;
  }

  /** The device node disappearing is the sure sign of an unplug (a pending read may never fail; see SerialLink). */
  private watchPresence(client: Client, path: string): void {
    const timer = setInterval(() => {
      if (this.closed || client !== this.client) return clearInterval(timer);
      access(path).catch(() => {
        clearInterval(timer);
        this.lost(client, `${this.describe()} disappeared (unplugged?)`);
        client.close(() => undefined);
      });
    }, 1000);
    timer.unref();
  }

  private lost(client: Client, reason: string): void {
    if (this.closed || client !== this.client) return;
    this.client = undefined;
    this.reason = reason;
    for (const [, jobs] of this.queues) for (const job of jobs.splice(0)) job.reject(new Error(reason));
    this.order.length = 0;
    this.emit('down', reason);
    this.reopen();
  }

  private reopen(): void {
    if (this.closed) return;
    this.retry = setTimeout(async () => {
      this.retry = undefined;
      try {
        const client = await this.connect();
        if (this.closed) return client.close(() => undefined);
        this.client = client;
        this.reason = undefined;
        this.backoff.reset();
        this.emit('up');
      } catch (error) {
        const reason = `cannot open ${this.describe()}: ${(error as Error).message}`;
        if (this.reason !== reason) {
          this.reason = reason;
          this.emit('down', reason);
        }
        this.reopen();
      }
    }, this.backoff.next());
  }
}
