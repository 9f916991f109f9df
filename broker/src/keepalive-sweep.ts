/** What aedes keeps of a connected client's keepalive (lib/handlers/connect.js `setKeepAlive`, lib/handlers/index.js). */
interface KeepaliveClient {
  closed: boolean;
  _keepaliveInterval: number;
  _keepaliveTimer: { refresh(): unknown } | null;
  broker: { emit(event: 'keepaliveTimeout', client: unknown): unknown };
  emit(event: 'error', error: Error): unknown;
}

/** Stands in for the client's Timeout: aedes calls `refresh()` on every packet and `clearTimeout()` on close. */
class LastSeen {
  at = Date.now();
  constructor(readonly client: KeepaliveClient) {}
  refresh(): this {
    this.at = Date.now();
    return this;
  }
}

/**
 * aedes gives every connected client its own keepalive `Timeout` (plus the closure it calls, which keeps the
 * CONNECT packet alive): about 0.4 KiB per idle connection. This replaces them with one interval for the whole
 * broker that sweeps every client's time of last packet. [MQTT-3.1.2-24] is kept: a client silent for 1.5× its
 * keepalive is disconnected the way aedes does it (a 'keepaliveTimeout' event, then the error that closes it),
 * never earlier, and at most `sweepMs` later. The upstream fix is the same change in aedes' connect handler.
 */
export class KeepaliveSweep {
  private readonly watched = new Set<LastSeen>();
  private readonly timer: NodeJS.Timeout;

  constructor(sweepMs = 500) {
    this.timer = setInterval(() => this.sweep(), sweepMs);
    this.timer.unref();
  }

  /** Call once the client is connected (aedes 'clientReady'), after aedes has started its keepalive Timeout. */
  adopt(client: KeepaliveClient): void {
    const timer = client._keepaliveTimer;
    if (client.closed || client._keepaliveInterval <= 0 || !timer || timer instanceof LastSeen) return;
    clearTimeout(timer as NodeJS.Timeout);
    const seen = new LastSeen(client);
    client._keepaliveTimer = seen;
    this.watched.add(seen);
  }

  private sweep(): void {
    const now = Date.now();
    for (const seen of this.watched) {
      const { client } = seen;
      // aedes replaces or clears the timer on close (clearTimeout ignores a LastSeen).
      if (client.closed || client._keepaliveTimer !== seen) {
        this.watched.delete(seen);
      } else if (now - seen.at >= client._keepaliveInterval) {
        this.watched.delete(seen);
        client.broker.emit('keepaliveTimeout', client);
        client.emit('error', new Error('keep alive timeout'));
      }
    }
  }

  stop(): void {
    clearInterval(this.timer);
    this.watched.clear();
  }
}
