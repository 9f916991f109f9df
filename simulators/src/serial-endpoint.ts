import { SerialPort } from 'serialport';

/** Opens the device end of a pty pair (or a real port) as a device would: 9600 8N1 unless told otherwise. */
export async function openSerialEndpoint(path: string, baudRate = 9600): Promise<SerialPort> {
  const port = new SerialPort({ path, baudRate, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((error) => (error ? reject(error) : resolve())));
  // A pty whose other end vanished reports EIO; a device does not care, the test that caused it does.
  port.on('error', () => undefined);
  return port;
}

export async function closeSerialEndpoint(port: SerialPort): Promise<void> {
  if (port.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
