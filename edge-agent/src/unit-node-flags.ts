/**
 * The node options the shipped systemd unit starts the agent with (`ExecStart=/usr/bin/node FLAGS …/lophoc-agent.js`),
 * read from the unit itself so the devices benchmark runs the agent exactly as a gateway does (docs/gateway.md).
 */
export function nodeFlagsOfUnit(unitText: string): string[] {
  const execStart = unitText.split('\n').find((line) => line.startsWith('ExecStart='));
  if (!execStart) throw new Error('systemd unit: no ExecStart= line');
  const words = execStart.slice('ExecStart='.length).trim().split(/\s+/);
  const script = words.findIndex((word) => word.endsWith('/lophoc-agent.js'));
  if (script < 1) throw new Error(`systemd unit: ExecStart= does not run node …/lophoc-agent.js: ${execStart}`);
  return words.slice(1, script);
}

export const agentUnitFile = new URL('../deploy/lophoc-agent.service', import.meta.url);
