import { once } from 'node:events';
import { connect as netConnect } from 'node:net';
import type { Client } from 'aedes';
import { generate } from 'mqtt-packet';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningBroker, startBroker } from './broker.js';
import { connect } from './test-clients.js';

let broker: RunningBroker | undefined;
afterEach(async () => {
  await broker?.stop();
});

describe('a subscriber that stops reading', () => {
  it('is disconnected after drainTimeout while the others keep receiving QoS 0 telemetry', async () => {
    broker = await startBroker({ port: 0, log: pino({ level: 'silent' }), limits: { drainTimeoutMs: 300 } });
    const dropped = new Promise<string>((resolve) =>
      broker?.aedes.on('clientError', (client: Client, error: Error) => {
        if (client.id === 'stuck') resolve(error.message);
      }),
    );
    // A raw subscriber that subscribes, then never reads again.
    const stuck = netConnect(broker.port, '127.0.0.1');
    stuck.on('error', () => {});
    await once(stuck, 'connect');
    stuck.write(generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, keepalive: 60, clientId: 'stuck' }));
    stuck.write(generate({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'lophoc/v1/#', qos: 0 }] }));
    await once(stuck, 'data');
    stuck.pause();
    const hub = await connect(broker.url, { clientId: 'hub' });
    await hub.subscribeAsync('lophoc/v1/#', { qos: 0 });
    await new Promise((resolve) => setTimeout(resolve, 100)); // the stuck client's SUBSCRIBE is in place
    const gateway = await connect(broker.url, { clientId: 'gw' });
    let last = '';
    hub.on('message', (_topic, payload) => {
      last = payload.subarray(0, 8).toString();
    });
    const payload = Buffer.alloc(16 * 1024, 'x');
    for (let i = 0; i < 2000; i++) {
      payload.write(String(i).padStart(8, '0'));
      gateway.publish('lophoc/v1/t/gw/th-1/telemetry', Buffer.from(payload), { qos: 0 });
      if (i % 100 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    expect(await dropped).toBe('drain timeout');
    const deadline = Date.now() + 10_000;
    while (last !== '00001999' && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(last).toBe('00001999');
    stuck.destroy();
    await Promise.all([hub.endAsync(true), gateway.endAsync(true)]);
  }, 30_000);
});
