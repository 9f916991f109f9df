import { closeSerialEndpoint, openSerialEndpoint } from '../serial-endpoint.js';

/**
 * The 14-byte RDM6300 frame of a 10-hex-digit id (version + tag): 0x02, the id in ASCII hex, the XOR of its
 * 5 bytes in ASCII hex, 0x03 (vectors README, "RDM6300"). `67003B51C6` → ASCII `67003B51C6CB`.
 */
export function rdm6300Frame(id: string): Buffer {
  if (!/^[0-9A-F]{10}$/.test(id)) throw new RangeError(`an RDM6300 id is 10 upper-case hex digits, got "${id}"`);
  const checksum = Buffer.from(id, 'hex').reduce((acc, byte) => acc ^ byte, 0);
  return Buffer.concat([
    Buffer.from([0x02]),
    Buffer.from(id + checksum.toString(16).toUpperCase().padStart(2, '0'), 'ascii'),
    Buffer.from([0x03]),
  ]);
}

export interface Rdm6300Options {
  /** The module repeats the frame while the tag stays in the field. */
  repeatMs?: number;
}

/** An RDM6300 on the device end of a pty: it only talks, never listens. */
export async function startRdm6300(path: string, options: Rdm6300Options = {}) {
  const { repeatMs = 100 } = options;
  const port = await openSerialEndpoint(path);
  let repeating: NodeJS.Timeout | undefined;
  const write = (bytes: Buffer) => {
    if (port.isOpen) port.write(bytes);
  };
  const remove = () => {
    if (repeating) clearInterval(repeating);
    repeating = undefined;
  };
  return {
    /** Holds a card in the field: the frame now and every `repeatMs` until `remove()`. */
    present(id: string) {
      remove();
      const frame = rdm6300Frame(id);
      write(frame);
      repeating = setInterval(() => write(frame), repeatMs);
    },
    remove,
    /** A frame damaged in flight (one id character changed, so its checksum is wrong): `68003B51C6CB`. */
    sendCorrupted(id = '67003B51C6') {
      const frame = rdm6300Frame(id);
      frame[2] = frame[2] === 0x38 ? 0x37 : 0x38;
      write(frame);
    },
    /** Raw bytes: noise, half frames. */
    sendRaw(bytes: Buffer) {
      write(bytes);
    },
    async stop() {
      remove();
      await closeSerialEndpoint(port);
    },
  };
}

export type RunningRdm6300 = Awaited<ReturnType<typeof startRdm6300>>;
