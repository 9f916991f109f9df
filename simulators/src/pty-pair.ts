import { type ChildProcess, spawn } from 'node:child_process';
import { access, mkdir } from 'node:fs/promises';
import { join } from 'node:path';

export interface PtyPair {
  /** The end a device simulator opens. */
  device: string;
  /** The end the driver under test (or the gateway) opens, as it would open /dev/ttyUSB0. */
  host: string;
  close(): Promise<void>;
}

/**
 * Two linked pseudo-terminals made by socat: bytes written to one end come out of the other.
 * ptys ignore baud rate and parity, so framing is all that is exercised.
 * socat runs under a tiny shell watchdog that kills it when our stdin pipe closes, so no socat
 * outlives this process, even after `kill -9`.
 */
export async function openPtyPair(dir: string, name: string): Promise<PtyPair> {
  await mkdir(dir, { recursive: true });
  const device = join(dir, `${name}.device`);
  const host = join(dir, `${name}.host`);
  const socat = `socat pty,raw,echo=0,link=${quote(device)} pty,raw,echo=0,link=${quote(host)}`;
  const child = spawn('sh', ['-c', `${socat} & pid=$!; trap 'kill $pid 2>/dev/null' EXIT; read _ignored; kill $pid`], {
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await waitFor(
      async () => (await exists(device)) && (await exists(host)),
      child,
      () => stderr,
    );
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    device,
    host,
    async close() {
      if (child.exitCode === null && child.signalCode === null) {
        child.stdin?.end();
        await Promise.race([exited, delay(2000).then(() => child.kill('SIGKILL'))]);
      }
    },
  };
}

async function waitFor(ready: () => Promise<boolean>, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    if (await ready()) return;
    if (child.exitCode !== null) {
      const hint = stderr().includes('not found') ? ' (is socat installed? apt-get install socat)' : '';
      throw new Error(`socat exited with code ${child.exitCode} before the pty pair was ready${hint}: ${stderr().trim()}`);
    }
    await delay(20);
  }
  throw new Error(`socat did not create the pty pair within 5 s: ${stderr().trim()}`);
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function quote(path: string): string {
  return `'${path.replaceAll("'", "'\\''")}'`;
}
