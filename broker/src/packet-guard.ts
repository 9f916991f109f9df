import { Duplex } from 'node:stream';

export class PacketTooLarge extends Error {
  override name = 'PacketTooLarge';
}

/**
 * Follows MQTT fixed headers (MQTT 3.1.1 §2.2: one type byte, then the Remaining Length in 1-4 bytes of
 * 7 bits each) across a byte stream and reports the first packet larger than `maxBytes` before its body
 * arrives, so a 10 MB PUBLISH is refused after its header, not buffered.
 */
export class PacketSizeMeter {
  private state: 'type' | 'length' | 'body' = 'type';
  private length = 0;
  private lengthBytes = 0;
  private bodyLeft = 0;

  constructor(private readonly maxBytes: number) {}

  /** Throws PacketTooLarge when a packet in `chunk` is over the limit or its length is malformed. */
  feed(chunk: Buffer): void {
    let i = 0;
    while (i < chunk.length) {
      if (this.state === 'type') {
        this.state = 'length';
        this.length = 0;
        this.lengthBytes = 0;
        i += 1;
      } else if (this.state === 'length') {
        const byte = chunk[i] as number;
        i += 1;
        this.length += (byte & 0x7f) * 128 ** this.lengthBytes;
        this.lengthBytes += 1;
        if ((byte & 0x80) !== 0) {
          if (this.lengthBytes === 4) throw new PacketTooLarge('malformed Remaining Length (more than 4 bytes)');
          continue;
        }
        const total = 1 + this.lengthBytes + this.length;
        if (total > this.maxBytes) throw new PacketTooLarge(`packet of ${total} bytes is over the ${this.maxBytes}-byte limit`);
        this.bodyLeft = this.length;
        this.state = this.bodyLeft > 0 ? 'body' : 'type';
      } else {
        const skip = Math.min(this.bodyLeft, chunk.length - i);
        this.bodyLeft -= skip;
        i += skip;
        if (this.bodyLeft === 0) this.state = 'type';
      }
    }
  }
}

/**
 * The connection aedes sees: the socket's bytes pass through a PacketSizeMeter; an oversized packet
 * destroys the socket. Writes, backpressure (so aedes' drainTimeout still works) and close pass through.
 */
export class SizeLimitedConnection extends Duplex {
  private readonly meter: PacketSizeMeter;

  constructor(
    private readonly socket: Duplex,
    maxBytes: number,
    onTooLarge: (error: PacketTooLarge) => void,
  ) {
    super();
    this.meter = new PacketSizeMeter(maxBytes);
    socket.on('data', (chunk: Buffer) => {
      try {
        this.meter.feed(chunk);
      } catch (error) {
        onTooLarge(error as PacketTooLarge);
        socket.destroy();
        return;
      }
      if (!this.push(chunk)) socket.pause();
    });
    socket.on('end', () => this.push(null));
    socket.on('close', () => this.destroy());
    socket.on('error', (error) => this.destroy(error));
  }

  override _read(): void {
    this.socket.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.socket.write(chunk)) callback();
    else this.socket.once('drain', () => callback());
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.socket.end(callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.socket.destroy();
    callback(error);
  }
}
