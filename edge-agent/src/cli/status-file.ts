import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** What a running agent reports about itself for `lophoc-agent status`, written every few seconds. */
export interface AgentStatus {
  ts: number;
  pid: number;
  startedAt: number;
  site: string;
  node: string;
  broker: { url: string; connected: boolean };
  devices: { id: string; profile: string; online?: boolean; reason?: string }[];
  outbox: { depth: number; bytes: number; appended: number; acknowledged: number; dropped: number };
}

export const STATUS_FILE = 'status.json';

/** Written to a temporary file then renamed, so a reader never sees half a file. */
export async function writeStatus(dataDir: string, status: AgentStatus): Promise<void> {
  const file = join(dataDir, STATUS_FILE);
  await writeFile(`${file}.tmp`, JSON.stringify(status), { mode: 0o640 });
  await rename(`${file}.tmp`, file);
}

export async function readStatus(dataDir: string): Promise<AgentStatus | undefined> {
  try {
    return JSON.parse(await readFile(join(dataDir, STATUS_FILE), 'utf8')) as AgentStatus;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
