import { closeSerialEndpoint, openSerialEndpoint } from '../serial-endpoint.js';

/**
 * A USB CDC QR/barcode scanner (Honeywell, Zebra, Newland in serial mode) on the device end of a pty: each
 * decoded code is sent as UTF-8 followed by the configured suffix (factory default CR).
 */
export async function startSerialQrScanner(path: string, options: { suffix?: string; baudRate?: number } = {}) {
  const { suffix = '\r', baudRate = 9600 } = options;
  const port = await openSerialEndpoint(path, baudRate);
  const write = (bytes: Buffer) =>
    new Promise<void>((resolve, reject) => port.write(bytes, (error) => (error ? reject(error) : port.drain(() => resolve()))));
  return {
    /** A code read from a label or a CCCD card. */
    scan: (text: string) => write(Buffer.from(text + suffix, 'utf8')),
    /** Bytes as they are: line noise, a wrong baud rate, a half-read code. */
    sendRaw: (bytes: Buffer) => write(bytes),
    close: () => closeSerialEndpoint(port),
  };
}

export type RunningSerialQrScanner = Awaited<ReturnType<typeof startSerialQrScanner>>;
