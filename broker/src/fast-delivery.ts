import type { Client } from 'aedes';
import { PublishBatch } from './publish-encoder.js';

type Callback = () => void;
interface QoS0Packet {
  qos: number;
  brokerId?: string;
  brokerCounter?: number;
  clientId?: string;
  nl?: boolean;
  [field: string]: unknown;
}
interface DeliveringClient {
  id: string;
  conn: NodeJS.WritableStream & { destroyed?: boolean };
  connecting: boolean;
  connected: boolean;
  errored: boolean;
  duplicates: Record<string, number>;
  broker: { authorizeForward(client: unknown, packet: QoS0Packet): QoS0Packet | null | undefined };
  deliver0: (packet: QoS0Packet, callback: Callback) => void;
  waitForDrain(callback: (error?: Error | null) => void): void;
  _onError(error?: Error | null): void;
}

/** Deliveries of this event-loop turn: client, packet (or null when nothing is to be written), callback. */
let pending: unknown[] = [];
let scheduled = false;

/** One connection's share of a flush: its packets, encoded into one buffer, and their delivery callbacks. */
interface Outgoing {
  batch: PublishBatch;
  callbacks: Callback[];
}

function flush(): void {
  scheduled = false;
  // New deliveries that the callbacks below cause go to the next turn's list: no recursion, whatever the load.
  const batch = pending;
  pending = [];
  const outgoing = new Map<DeliveringClient, Outgoing>();
  for (let i = 0; i < batch.length; i += 3) {
    const client = batch[i] as DeliveringClient;
    const packet = batch[i + 1] as QoS0Packet | null;
    const callback = batch[i + 2] as Callback;
    if (packet === null) {
      callback();
      continue;
    }
    if (!client.connecting && !client.connected) {
      client._onError(new Error('connection closed'));
      callback();
      continue;
    }
    let out = outgoing.get(client);
    if (!out) {
      out = { batch: new PublishBatch(), callbacks: [] };
      outgoing.set(client, out);
    }
    try {
      out.batch.add(packet);
    } catch {
      client._onError(new Error('packet received not valid'));
      callback();
      continue;
    }
    out.callbacks.push(callback);
  }
  for (const [client, { batch: packets, callbacks }] of outgoing) {
    if (packets.length === 0) continue;
    const complete = () => {
      for (const callback of callbacks) callback();
    };
    // The connection may have failed on an earlier packet of this flush.
    if (!client.connecting && !client.connected) {
      complete();
      continue;
    }
    const written = client.conn.write(packets.take());
    if (written || client.errored) complete();
    // Backpressure as aedes does it: the deliveries complete (and mqemitter moves on) once the socket drains.
    else
      client.waitForDrain((error) => {
        client._onError(error);
        complete();
      });
  }
}

function later(client: DeliveringClient, packet: QoS0Packet | null, callback: Callback): void {
  pending.push(client, packet, callback);
  if (!scheduled) {
    scheduled = true;
    setImmediate(flush);
  }
}

function dedupe(client: DeliveringClient, packet: QoS0Packet): boolean {
  const id = packet.brokerId;
  if (!id) return true;
  const counter = packet.brokerCounter ?? 0;
  if ((client.duplicates[id] ?? 0) >= counter) return false;
  client.duplicates[id] = counter;
  return true;
}

/**
 * aedes 1.2 delivers each QoS 0 message to a subscriber in a `setImmediate` of its own, copies the packet to set
 * its QoS, writes it, and completes the delivery in a second `setImmediate` (lib/client.js `deliver0`,
 * lib/write.js). This does the same checks (no-local, duplicates, authorizeForward), queues the deliveries of a
 * turn in one list flushed by one `setImmediate`, writes the packet it was given when its QoS is already 0 (aedes
 * hands every subscription a fresh copy), and completes each delivery right after its write unless the socket
 * pushes back. Call before the client subscribes (aedes captures `deliver0` when a subscription is made).
 */
export function fastQoS0Delivery(client: Client): void {
  const target = client as unknown as DeliveringClient;
  target.deliver0 = (packet, callback) => {
    if (packet.clientId === target.id && packet.nl) return later(target, null, callback);
    const forward = dedupe(target, packet) ? target.broker.authorizeForward(target, packet) : undefined;
    if (!forward) return later(target, null, callback);
    later(target, forward.qos === 0 ? forward : { ...forward, qos: 0 }, callback);
  };
}
