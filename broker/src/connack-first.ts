import type { Client } from 'aedes';

type Deliver = (packet: unknown, callback: () => void) => void;

interface DeliveringClient {
  connackSent: boolean;
  closed: boolean;
  conn: { once(event: 'close', listener: () => void): unknown };
  deliver0: Deliver;
  deliverQoS: Deliver;
}

/**
 * [MQTT-3.2.0-1]: the first packet the server sends on a connection MUST be CONNACK. aedes 1.2 restores a
 * persistent session's subscriptions (lib/handlers/connect.js `restoreSubs`) before it writes CONNACK, so a
 * message routed in between — likely in cluster mode, where routing goes through Redis — is written first.
 * MQTT.js then stalls: it answers that PUBLISH with a PUBACK it only sends once connected, and never reads
 * the CONNACK behind it. The fix belongs in aedes (deliver only once `connackSent`); until then the client's
 * two delivery functions are wrapped, for persistent sessions only, before aedes captures them, and what
 * arrives early is handed on, in order, as soon as CONNACK is out or the connection is gone.
 */
export function holdDeliveriesUntilConnack(client: Client): void {
  const target = client as unknown as DeliveringClient;
  const early: (() => void)[] = [];
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    for (const deliver of early.splice(0)) deliver();
  };
  const hold =
    (deliver: Deliver): Deliver =>
    (packet, callback) => {
      if (released || target.connackSent || target.closed) deliver(packet, callback);
      else early.push(() => deliver(packet, callback));
    };
  target.deliver0 = hold(target.deliver0);
  target.deliverQoS = hold(target.deliverQoS);
  connackWaiters.set(client, release);
  target.conn.once('close', release);
}

const connackWaiters = new WeakMap<Client, () => void>();

/** Call from the broker's `connackSent` event: hands on what was held for that client. */
export function connackSent(client: Client): void {
  connackWaiters.get(client)?.();
  connackWaiters.delete(client);
}
