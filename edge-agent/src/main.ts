import { runMain } from '@lophoc/scripts/run-main';
import { startAgent } from './agent.js';
import { loadGatewayConfig } from './config.js';
import { runDiscover } from './discover-command.js';

/** `lophoc-agent run --config FILE`: the gateway daemon; `lophoc-agent discover [--pjlink BROADCAST]`: what is plugged in. */
const [command = 'run', ...rest] = process.argv.slice(2);
if (command === 'discover') {
  try {
    process.stdout.write(await runDiscover(rest));
    process.exit(0);
  } catch (error) {
    process.stderr.write(`lophoc-agent: ${(error as Error).message}\n`);
    process.exit(1);
  }
}

await runMain('lophoc-agent', async ({ args, log }) => {
  const command = args[0] ?? 'run';
  if (command !== 'run') {
    throw new Error(`unknown command "${command}" (try: lophoc-agent run --config /etc/lophoc/agent.yaml, or lophoc-agent discover)`);
  }
  const configIndex = args.indexOf('--config');
  const file = configIndex >= 0 ? args[configIndex + 1] : (process.env.LOPHOC_AGENT_CONFIG ?? '/etc/lophoc/agent.yaml');
  if (!file) throw new Error('--config needs a file path');
  const config = await loadGatewayConfig(file);
  return startAgent(config, log);
});
