import { runMain } from '@lophoc/scripts/run-main';
import { startBroker } from './broker.js';

/** `lophoc-broker [--host H] [--port P]` */
await runMain('lophoc-broker', async ({ args, log }) => {
  const option = (name: string) => {
    const index = args.indexOf(name);
    return index >= 0 ? args[index + 1] : undefined;
  };
  const port = Number(option('--port') ?? process.env.LOPHOC_BROKER_PORT ?? 1883);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be 0-65535, got ${option('--port')}`);
  return startBroker({ host: option('--host') ?? process.env.LOPHOC_BROKER_HOST ?? '127.0.0.1', port, log });
});
