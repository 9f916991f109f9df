import type { ServerResponse } from 'node:http';

/**
 * Server-sent events to every open console: `latest` readings as stored, `fleet` when node or device state
 * changed (the console refetches, at most once a second), `alert` and `command` changes.
 */
export class LiveHub {
  private readonly clients = new Set<ServerResponse>();
  private fleetTimer: NodeJS.Timeout | undefined;

  get size(): number {
    return this.clients.size;
  }

  add(client: ServerResponse, snapshot: string): void {
    client.write(`retry: 2000\n${snapshot}`);
    this.clients.add(client);
    client.on('close', () => this.clients.delete(client));
  }

  send(event: string, data: unknown): void {
    if (this.clients.size === 0) return;
    const frame = frameOf(event, data);
    for (const client of this.clients) client.write(frame);
  }

  fleetChanged(): void {
    this.fleetTimer ??= setTimeout(() => {
      this.fleetTimer = undefined;
      this.send('fleet', {});
    }, 1000);
  }

  close(): void {
    clearTimeout(this.fleetTimer);
    for (const client of this.clients) client.end();
    this.clients.clear();
  }
}

export const frameOf = (event: string, data: unknown): string => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
