import { join } from 'node:path';
import { runMain } from '@lophoc/scripts/run-main';
import { runUserCommand } from './cli.js';
import { startOpsCenter } from './ops-center.js';
import type { StoreConfig } from './store/open-store.js';

/** `lophoc-ops-center` (daemon) and `lophoc-ops-center user …`: configured by environment (docs/ops-center.md). */
const env = process.env;
const dataDir = env.LOPHOC_DATA_DIR ?? './data/ops-center';
const store: StoreConfig = env.LOPHOC_POSTGRES_URL
  ? { kind: 'postgres', url: env.LOPHOC_POSTGRES_URL }
  : { kind: 'sqlite', file: join(dataDir, 'ops-center.db') };

if (process.argv[2] === 'user') {
  try {
    const { mkdir } = await import('node:fs/promises');
    await mkdir(dataDir, { recursive: true });
    process.stdout.write(`${await runUserCommand(process.argv.slice(3), store, env, process.stdin)}\n`);
    process.exit(0);
  } catch (error) {
    process.stderr.write(`lophoc-ops-center: ${(error as Error).message}\n`);
    process.exit(1);
  }
}

function numberFrom(name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) throw new Error(`${name} must be a number ${min}-${max}, got ${raw}`);
  return value;
}

await runMain('lophoc-ops-center', async ({ log }) => {
  const port = numberFrom('LOPHOC_HTTP_PORT', 8080, 0, 65535);
  if (!Number.isInteger(port)) throw new Error(`LOPHOC_HTTP_PORT must be 0-65535, got ${env.LOPHOC_HTTP_PORT}`);
  const adminUser = env.LOPHOC_ADMIN_USER;
  const adminPassword = env.LOPHOC_ADMIN_PASSWORD;
  if (!!adminUser !== !!adminPassword) throw new Error('LOPHOC_ADMIN_USER and LOPHOC_ADMIN_PASSWORD must be set together');
  return startOpsCenter({
    dataDir,
    store,
    mqttUrl: env.LOPHOC_MQTT_URL ?? 'mqtt://127.0.0.1:1883',
    mqttUsername: env.LOPHOC_MQTT_USERNAME,
    mqttPassword: env.LOPHOC_MQTT_PASSWORD,
    host: env.LOPHOC_HTTP_HOST ?? '127.0.0.1',
    port,
    log,
    rawRetentionDays: numberFrom('LOPHOC_RAW_RETENTION_DAYS', 30, 1, 3650),
    alertWebhooks: (env.LOPHOC_ALERT_WEBHOOKS ?? '').split(/[\s,]+/).filter(Boolean),
    ...(env.LOPHOC_SITES_FILE ? { sitesFile: env.LOPHOC_SITES_FILE } : {}),
    ...(adminUser && adminPassword ? { initialAdmin: { username: adminUser, password: adminPassword } } : {}),
  });
});
