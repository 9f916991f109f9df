import type { Duplex } from 'node:stream';

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
        // At most 4 bytes of 7 bits: below 2^28, so a shift stays a small integer (V8 keeps the field unboxed).
        this.length += (byte & 0x7f) << (7 * this.lengthBytes);
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

const meters = Symbol('lophoc.packetSizeMeter');
type TooLargeHandler = (stream: Duplex, error: PacketTooLarge) => void;
/** A connection's meter with what to call when it trips: one object per connection. */
class ConnectionMeter extends PacketSizeMeter {
  constructor(
    maxBytes: number,
    readonly onTooLarge: TooLargeHandler,
  ) {
    super(maxBytes);
  }
}
type Metered = Duplex & { [meters]: ConnectionMeter };

/** One listener function for every connection (no closure per connection). */
function meterChunk(this: Metered, chunk: Buffer): void {
  if (this.destroyed) return;
  const meter = this[meters];
  try {
    meter.feed(chunk);
  } catch (error) {
    meter.onTooLarge(this, error as PacketTooLarge);
    this.destroy();
  }
}

/**
 * Checks the bytes aedes reads from `stream` and destroys it at the first oversized packet. Call it after
 * `aedes.handle(stream)`: aedes reads with 'readable' + `read()`, and a 'data' listener added then sees each chunk
 * `read()` returns, before the parser does, without turning the stream into flowing mode. Unlike a wrapping
 * Duplex, this adds no second stream (buffers, state, a copy of every chunk) per connection.
 */
export function limitPacketSize(stream: Duplex, maxBytes: number, onTooLarge: TooLargeHandler): void {
  (stream as Metered)[meters] = new ConnectionMeter(maxBytes, onTooLarge);
  stream.on('data', meterChunk);
}
