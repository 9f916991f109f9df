import { type ChildProcess, spawn } from 'node:child_process';
import { portAccepts } from '../processes.js';

/** A throwaway server process for a test: its port, its output so far, and stop(). */
export interface Daemon {
  readonly port: number;
  /** The server's process id (for RSS readings in benchmarks). */
  readonly pid: number;
  readonly url: string;
  output(): string;
  /** SIGTERM, then SIGKILL after 5 s; resolves when the process has exited. */
  stop(): Promise<void>;
  /** SIGKILL at once: a crash, for failover tests. */
  kill(): Promise<void>;
}

/** Spawns `command`, then polls until `port` accepts TCP connections (or the process dies, or 10 s pass). */
export async function spawnDaemon(what: string, command: string, args: string[], port: number, url: string): Promise<Daemon> {
  const child: ChildProcess = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const append = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let dead = false;
  void exited.then(() => {
    dead = true;
  });
  child.once('error', (error) => {
    output += `\n${error.message}`;
    dead = true;
  });
  const deadline = Date.now() + 10_000;
  while (!(await portAccepts(port))) {
    if (dead) throw new Error(`${what} exited before listening on ${port}:\n${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${what} did not listen on ${port} within 10 s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  const end = async (signal: NodeJS.Signals) => {
    if (dead) return;
    child.kill(signal);
    const force = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(force);
  };
  return { port, pid: child.pid ?? 0, url, output: () => output, stop: () => end('SIGTERM'), kill: () => end('SIGKILL') };
}
