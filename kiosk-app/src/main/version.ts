import { readFileSync } from 'node:fs';

/** The kiosk's version, read from its package.json (main process only: the renderer has no file access). */
export function kioskVersion(): string {
  const url = new URL('../../package.json', import.meta.url);
  return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
}
