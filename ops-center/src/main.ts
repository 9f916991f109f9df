import { runMain } from '@lophoc/scripts/run-main';
import { startOpsCenter } from './ops-center.js';

/** `lophoc-ops-center`: configured by environment (see docs/ops-center.md). */
await runMain('lophoc-ops-center', async ({ log }) => {
  const port = Number(process.env.LOPHOC_HTTP_PORT ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`LOPHOC_HTTP_PORT must be 0-65535, got ${process.env.LOPHOC_HTTP_PORT}`);
  return startOpsCenter({
    dataDir: process.env.LOPHOC_DATA_DIR ?? './data/ops-center',
    mqttUrl: process.env.LOPHOC_MQTT_URL ?? 'mqtt://127.0.0.1:1883',
    mqttUsername: process.env.LOPHOC_MQTT_USERNAME,
    mqttPassword: process.env.LOPHOC_MQTT_PASSWORD,
    host: process.env.LOPHOC_HTTP_HOST ?? '127.0.0.1',
    port,
    log,
  });
});
