import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TOPIC_ROOT } from '@lophoc/protocol';
import type { Account, Registry } from './registry.js';

/**
 * The node→hub topics of DESIGN §3 under a node's prefix. Mosquitto's ACL file has no "everything under the
 * prefix except cmd and ack" (a `deny` entry would also forbid reading cmd), so node rights are listed one by one.
 */
const NODE_WRITES = ['state', 'birth', 'health', 'cmd/result', 'outbox/+', '+/telemetry', '+/event', '+/availability'];

/** One account's entries in Mosquitto's `acl_file` format (mosquitto.conf(5), "acl_file"). */
export function mosquittoAclEntries(account: Pick<Account, 'username' | 'role' | 'site' | 'node'>): string[] {
  const lines = [`user ${account.username}`];
  switch (account.role) {
    case 'node': {
      const prefix = `${TOPIC_ROOT}/${account.site}/${account.node}`;
      for (const topic of NODE_WRITES) lines.push(`topic write ${prefix}/${topic}`);
      lines.push(`topic read ${prefix}/cmd`, `topic read ${prefix}/ack`);
      break;
    }
    case 'service':
      lines.push('topic read #', 'topic read $SYS/#', `topic write ${TOPIC_ROOT}/+/+/cmd`, `topic write ${TOPIC_ROOT}/+/+/ack`);
      break;
    case 'operator':
      lines.push('topic read #', 'topic read $SYS/#');
      break;
  }
  return lines;
}

/**
 * `lophoc-broker export mosquitto DIR`: DIR/passwd (PBKDF2-SHA512 `$7$` hashes, as `mosquitto_passwd` writes)
 * and DIR/acl for every live account, so Mosquitto can stand in for our broker with the same credentials.
 */
export async function exportMosquitto(
  registry: Registry,
  dir: string,
): Promise<{ passwordFile: string; aclFile: string; accounts: number }> {
  const accounts = registry.mosquittoAccounts();
  await mkdir(dir, { recursive: true });
  const passwordFile = join(dir, 'passwd');
  const aclFile = join(dir, 'acl');
  await writeFile(passwordFile, accounts.map((account) => `${account.username}:${account.mosquittoHash}\n`).join(''), { mode: 0o600 });
  const acl = ['# Written by `lophoc-broker export mosquitto` from the LopHoc registry; regenerate rather than edit.', ''];
  for (const account of accounts) acl.push(...mosquittoAclEntries(account), '');
  await writeFile(aclFile, acl.join('\n'), { mode: 0o644 });
  return { passwordFile, aclFile, accounts: accounts.length };
}
