import { createLogger } from '@lophoc/scripts/logger';
import { runDaemon } from '@lophoc/scripts/run-daemon';
import { startAgent } from './agent.js';
import { CardPseudonymiser, loadSiteSecret } from './classroom/card-privacy.js';
import { EnrolError, enrol } from './cli/enrol.js';
import { languageFromEnv } from './cli/i18n.js';
import { statusReport } from './cli/status.js';
import { testDevice } from './cli/test-device.js';
import { runDiscover } from './discover-command.js';
import { validateInHelper } from './startup/helper.js';

const USAGE = `usage:
  lophoc-agent run [--config FILE]                      the gateway daemon
  lophoc-agent discover [--pjlink BROADCAST]            serial/HID devices and PJLink projectors, with matching profiles
  lophoc-agent test DEVICE [--command NAME] [--params JSON] [--config FILE]
                                                        live reading or command, PASS/FAIL (stop the daemon first)
  lophoc-agent enrol --claim TOKEN --server URL [--config FILE] [--data-dir DIR]
  lophoc-agent status [--config FILE]                   connection, devices, outbox of the running daemon
  lophoc-agent card pseudonym [--config FILE]           reads a card id on stdin, prints its pseudonym for the roster
The config defaults to $LOPHOC_AGENT_CONFIG or /etc/lophoc/agent.yaml.`;

const [command = 'run', ...rest] = process.argv.slice(2);
const option = (name: string) => {
  const at = rest.indexOf(name);
  if (at < 0) return undefined;
  const value = rest[at + 1];
  if (!value || value.startsWith('--')) fail(`${name} needs a value`);
  return value;
};
const configFile = () => option('--config') ?? process.env.LOPHOC_AGENT_CONFIG ?? '/etc/lophoc/agent.yaml';
/** The config (and profiles), read and validated in the start-up helper: yaml and zod never load in this thread. */
const loadGatewayConfig = async (file: string) => (await validateInHelper({ configFile: file, profiles: false })).config!;
const language = languageFromEnv();

function fail(message: string): never {
  process.stderr.write(`lophoc-agent: ${message}\n`);
  process.exit(1);
}

/** A one-shot command: prints its output, exits 0 on success and 1 with one line on failure. */
async function oneShot(run: () => Promise<{ ok: boolean; text: string }>): Promise<never> {
  try {
    const { ok, text } = await run();
    process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    process.exit(ok ? 0 : 1);
  } catch (error) {
    fail((error as Error).message);
  }
}

switch (command) {
  case 'run':
    // Our logger, not runMain's pino: the daemon's idle memory (issue #3).
    await runDaemon(
      'lophoc-agent',
      () => createLogger('lophoc-agent'),
      async ({ log }) => {
        const { config, profiles } = await validateInHelper({ configFile: configFile() });
        return startAgent(config!, log, { profiles });
      },
    );
    break;
  case 'discover':
    await oneShot(async () => ({ ok: true, text: await runDiscover(rest) }));
    break;
  case 'status':
    await oneShot(async () => {
      const config = await loadGatewayConfig(configFile());
      return statusReport(config.dataDir, language);
    });
    break;
  case 'enrol':
    await oneShot(async () => {
      const token = option('--claim') ?? fail('enrol needs --claim TOKEN (from lophoc-broker claim)');
      const server = option('--server') ?? fail('enrol needs --server URL of the provisioning endpoint, e.g. https://broker.example:8443');
      try {
        const { site, node } = await enrol({
          server,
          token,
          configFile: configFile(),
          dataDir: option('--data-dir') ?? '/var/lib/lophoc/agent',
          language,
          progress: (line) => process.stderr.write(`${line}\n`),
        });
        return { ok: true, text: `${site}/${node}` };
      } catch (error) {
        if (error instanceof EnrolError) return { ok: false, text: error.message };
        throw error;
      }
    });
    break;
  case 'test': {
    const device = rest[0] && !rest[0].startsWith('--') ? rest[0] : fail('test needs a device id from the config');
    const paramsText = option('--params');
    let params: Record<string, unknown> | undefined;
    try {
      params = paramsText ? (JSON.parse(paramsText) as Record<string, unknown>) : undefined;
    } catch {
      fail(`--params must be JSON, e.g. '{"source":"30"}'`);
    }
    const name = option('--command');
    await oneShot(async () => {
      const config = await loadGatewayConfig(configFile());
      const { ok, report } = await testDevice(
        config,
        {
          device,
          ...(name ? { command: name } : {}),
          ...(params ? { params } : {}),
          progress: (line) => process.stderr.write(`${line}\n`),
        },
        createLogger('lophoc-agent', process.env.LOG_LEVEL ?? 'warn'),
      );
      return { ok, text: report };
    });
    break;
  }
  case 'card': {
    if (rest[0] !== 'pseudonym') fail('usage: lophoc-agent card pseudonym < card-id');
    await oneShot(async () => {
      const config = await loadGatewayConfig(configFile());
      if (!config.privacy) throw new Error(`${configFile()}: privacy.secretFile is not set`);
      const pseudonymiser = new CardPseudonymiser(await loadSiteSecret(config.privacy.secretFile));
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      const ids = Buffer.concat(chunks).toString('utf8').split(/\s+/).filter(Boolean);
      if (ids.length === 0) throw new Error('no card id on standard input');
      return { ok: true, text: ids.map((id) => pseudonymiser.pseudonym(id)).join('\n') };
    });
    break;
  }
  case 'help':
  case '--help':
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
    break;
  default:
    fail(`unknown command "${command}"\n${USAGE}`);
}
