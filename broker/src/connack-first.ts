import type { Client } from 'aedes';

type Deliver = (packet: unknown, callback: () => void) => void;

interface DeliveringClient {
  connected: boolean;
  closed: boolean;
  once(event: 'connected', listener: () => void): unknown;
  conn: { once(event: 'close', listener: () => void): unknown };
  deliver0: Deliver;
  deliverQoS: Deliver;
}

/**
 * [MQTT-3.2.0-1]: the first packet the server sends on a connection MUST be CONNACK. aedes 1.2 restores a
 * persistent session's subscriptions (lib/handlers/connect.js `restoreSubs`) before it writes CONNACK, so a
 * message routed in between — likely in cluster mode, where routing goes through Redis — is written first.
 * MQTT.js then stalls: it answers that PUBLISH with a PUBACK it only sends once connected, and never reads
 * the CONNACK behind it. The fix belongs in aedes (deliver only once connected); until then the client's two
 * delivery functions are wrapped, for persistent sessions only, before aedes captures them, and what arrives
 * early is handed on, in order, once the client is connected — after CONNACK and after the messages queued
 * while it was away, so a topic's messages keep their order [MQTT-4.6.0-5] — or once the connection is gone.
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
      if (released || target.connected || target.closed) deliver(packet, callback);
      else early.push(() => deliver(packet, callback));
    };
  target.deliver0 = hold(target.deliver0);
  target.deliverQoS = hold(target.deliverQoS);
  target.once('connected', release);
  target.conn.once('close', release);
}
