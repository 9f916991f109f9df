import { runMain } from '@lophoc/scripts/run-main';
import { startBroker } from './broker.js';
import { isAdminCommand, runAdminCommand, serveOptions } from './cli.js';

/** `lophoc-broker [serve] …` runs the broker; `lophoc-broker site|claim|nodes|service|rotate|revoke|export …` edits the registry. */
const args = process.argv.slice(2);
if (isAdminCommand(args)) {
  try {
    process.stdout.write(`${await runAdminCommand(args, process.env)}\n`);
  } catch (error) {
    process.stderr.write(`lophoc-broker: ${(error as Error).message}\n`);
    process.exitCode = 1;
  }
} else {
  await runMain('lophoc-broker', async ({ args: serveArgs, log }) => startBroker({ ...serveOptions(serveArgs, process.env), log }), args);
}
