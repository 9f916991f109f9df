import { join, resolve } from 'node:path';
import { startPilot } from './pilot-parts.js';
import { runMain } from './run-main.js';

/** `npm start`: the whole pilot on this machine, data under ./data, Ctrl-C to stop. */
await runMain('lophoc-pilot', async ({ log }) => {
  const port = (name: string, fallback: number) => {
    const value = Number(process.env[name] ?? fallback);
    if (!Number.isInteger(value) || value < 0 || value > 65535)
      throw new Error(`${name} must be a port number 0-65535, got ${process.env[name]}`);
    return value;
  };
  const dataDir = process.env.LOPHOC_DATA_DIR ?? './data';
  const pilot = await startPilot({
    dataDir,
    brokerPort: port('LOPHOC_BROKER_PORT', 1883),
    httpPort: port('LOPHOC_HTTP_PORT', 8080),
    kioskPort: port('LOPHOC_KIOSK_PORT', 8090),
    drift: true,
    log,
  });
  const passwordSource = process.env.LOPHOC_ADMIN_PASSWORD ? 'LOPHOC_ADMIN_PASSWORD' : join(resolve(dataDir), 'admin-password');
  process.stdout.write(
    [
      '',
      'LopHoc pilot is running.',
      `  Console (ops-center): ${pilot.consoleUrl}`,
      `    sign in as ${pilot.admin.username}, password in ${passwordSource}`,
      `  Kiosk (browser mode): ${pilot.kioskUrl}`,
      `  MQTT broker:          ${pilot.brokerUrl} (login and ACL on)`,
      `  Data:                 ${dataDir}`,
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
  return pilot;
});
