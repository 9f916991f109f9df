import type { ChildProcessByStdio } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';

/** Resident memory of a process now, from /proc (MiB). */
export async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
}

/**
 * Resolves once a daemon spawned with its stderr piped has logged `marker` (its JSON log line saying it is ready);
 * kills it and throws with the end of its log if it exits first or `timeoutMs` passes.
 */
export async function loggedReady(
  child: ChildProcessByStdio<null, null, Readable>,
  marker: string,
  name: string,
  timeoutMs = 30_000,
): Promise<void> {
  let output = '';
  child.stderr.on('data', (chunk: Buffer) => {
    if (output.length < 100_000) output += chunk.toString();
  });
  const deadline = Date.now() + timeoutMs;
  while (!output.includes(marker)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${name} did not start: ${output.slice(-2000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
