import { connect, type Socket } from 'node:net';
import { Backoff, type BackoffOptions } from './backoff.js';
import { ByteLink, LinkDownError } from './link.js';

/**
 * A TCP client connection that reconnects with backoff. A clean close by the peer (PJLink projectors hang up after
 * 30 s idle) reconnects at once and is not a failure; a refused or broken connection reports `down`.
 * Each new connection emits `up`, so a protocol with a greeting can start over.
 */
export class TcpLink extends ByteLink {
  readonly name: string;
  private socket: Socket | undefined;
  private connected = false;
  private reason: string | undefined = 'not connected yet';
  private retry: NodeJS.Timeout | undefined;
  private stopped = false;
  private started = false;
  private readonly backoff: Backoff;

  constructor(
    private readonly host: string,
    private readonly port: number,
    backoff: BackoffOptions = {},
    private readonly connectTimeoutMs = 5000,
  ) {
    super();
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new TypeError(`TCP port must be 1-65535, got ${port}`);
    this.name = `${host}:${port}`;
    this.backoff = new Backoff(backoff);
  }

  get isUp(): boolean {
    return this.connected;
  }

  get downReason(): string | undefined {
    return this.connected ? undefined : this.reason;
  }

  /** Connects and keeps reconnecting; does nothing when already started. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.connect();
  }

  write(bytes: Buffer | string): void {
    if (!this.socket || !this.connected) throw new LinkDownError(`${this.name} is not connected: ${this.reason}`);
    this.socket.write(bytes);
  }

  /** Drops the current connection and opens a new one (e.g. after a protocol error). */
  reconnect(): void {
    this.socket?.destroy();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    this.socket?.destroy();
    this.socket = undefined;
    this.removeAllListeners();
  }

  private connect(): void {
    if (this.stopped) return;
    const socket = connect({ host: this.host, port: this.port });
    this.socket = socket;
    socket.setNoDelay(true);
    socket.setTimeout(this.connectTimeoutMs, () => socket.destroy(new Error(`no connection within ${this.connectTimeoutMs} ms`)));
    let failure: string | undefined;
    let connectedAt = 0;
    socket.on('connect', () => {
      connectedAt = Date.now();
      socket.setTimeout(0);
      this.connected = true;
      this.reason = undefined;
      this.emit('up');
    });
    socket.on('data', (chunk) => this.emit('data', chunk));
    socket.on('error', (error) => {
      failure = `${this.name}: ${error.message}`;
    });
    socket.on('close', () => {
      if (socket !== this.socket || this.stopped) return;
      const wasConnected = this.connected;
      this.connected = false;
      this.socket = undefined;
      if (wasConnected && failure === undefined) {
        this.reason = `${this.name} closed by the device`;
        // An idle hang-up after a while is routine; a hang-up right after connecting (refused password) is not.
        const lived = Date.now() - connectedAt > 1000;
        if (lived) this.backoff.reset();
        this.schedule(lived ? 0 : this.backoff.next());
        return;
      }
      const reason = failure ?? `${this.name} closed before connecting`;
      const report = this.reason !== reason || wasConnected;
      this.reason = reason;
      if (report) this.emit('down', reason);
      this.schedule(this.backoff.next());
    });
  }

  private schedule(ms: number): void {
    if (this.retry) clearTimeout(this.retry);
    this.retry = setTimeout(() => {
      this.retry = undefined;
      this.connect();
    }, ms);
  }
}
