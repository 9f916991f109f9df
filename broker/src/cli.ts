import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { BrokerOptions } from './broker.js';
import { exportMosquitto } from './mosquitto-export.js';
import { NODE_KINDS, type NodeKind, Registry, SITE_KINDS, type SiteKind } from './registry.js';
import type { StorageOptions } from './storage.js';

export const USAGE = `lophoc-broker — the LopHoc district MQTT broker and its registry

Serve (the default command):
  lophoc-broker [serve] [--data DIR] [--host H] [--port 1883] [--tls-port 8883 --cert FILE --key FILE]
                [--ws-port 8083] [--provisioning-port 8884] [--public-host NAME]
                [--storage sqlite|memory|redis://host:6379] [--id NAME] [--allow-anonymous] [--nagle]
                [--city-url mqtts://city:8883 --city-username U --city-client-id ID --city-prefix district/q5/
                 --city-topic FILTER ...]   (password in LOPHOC_CITY_PASSWORD)
Registry (on DIR/registry.db; --data or LOPHOC_BROKER_DATA, default ./data/broker):
  lophoc-broker site add --id ID --kind city|ward|school|learning-center|room --name NAME [--parent ID]
  lophoc-broker site list
  lophoc-broker claim --site SITE --node NODE --kind gateway|kiosk [--room ROOM] [--ttl 24h]
  lophoc-broker nodes
  lophoc-broker service add --username NAME --role service|operator
  lophoc-broker rotate USERNAME
  lophoc-broker revoke USERNAME
  lophoc-broker export mosquitto DIR`;

export class UsageError extends Error {
  override name = 'UsageError';
}

const ADMIN_COMMANDS = ['site', 'claim', 'nodes', 'service', 'rotate', 'revoke', 'export', 'help'];
export const isAdminCommand = (args: string[]) => ADMIN_COMMANDS.includes(args[0] ?? '') || args.includes('--help');

/** `--ttl 24h` / `30m` / `7d` / `3600s` → milliseconds. */
export function parseDuration(text: string): number {
  const match = /^(\d+)(s|m|h|d)$/.exec(text);
  if (!match) throw new UsageError(`--ttl must look like 30m, 24h or 7d, got "${text}"`);
  return Number(match[1]) * { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 's' | 'm' | 'h' | 'd'];
}

function dataDir(value: string | undefined, env: NodeJS.ProcessEnv): string {
  return resolve(value ?? env.LOPHOC_BROKER_DATA ?? join('data', 'broker'));
}

function port(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`--${name} must be 0-65535, got ${value}`);
  return n;
}

/** The serve command's flags and environment → startBroker options (auth on: the registry is always used). */
export function serveOptions(args: string[], env: NodeJS.ProcessEnv): Omit<BrokerOptions, 'log'> {
  const { values } = parseArgs({
    args: args[0] === 'serve' ? args.slice(1) : args,
    options: {
      data: { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      'tls-port': { type: 'string' },
      cert: { type: 'string' },
      key: { type: 'string' },
      'ws-port': { type: 'string' },
      'provisioning-port': { type: 'string' },
      'public-host': { type: 'string' },
      storage: { type: 'string' },
      id: { type: 'string' },
      'allow-anonymous': { type: 'boolean' },
      nagle: { type: 'boolean' },
      'city-url': { type: 'string' },
      'city-username': { type: 'string' },
      'city-client-id': { type: 'string' },
      'city-prefix': { type: 'string' },
      'city-topic': { type: 'string', multiple: true },
    },
    strict: true,
  });
  const dir = dataDir(values.data, env);
  mkdirSync(dir, { recursive: true });
  const host = values.host ?? env.LOPHOC_BROKER_HOST ?? '127.0.0.1';
  const storageFlag = values.storage ?? env.LOPHOC_BROKER_STORAGE ?? 'sqlite';
  let storage: StorageOptions;
  if (storageFlag === 'sqlite') storage = { kind: 'sqlite', file: join(dir, 'sessions.db') };
  else if (storageFlag === 'memory') storage = { kind: 'memory' };
  else if (storageFlag.startsWith('redis://')) storage = { kind: 'redis', url: storageFlag };
  else throw new UsageError(`--storage must be sqlite, memory or redis://host:port, got "${storageFlag}"`);
  const tlsPort = port('tls-port', values['tls-port'] ?? env.LOPHOC_BROKER_TLS_PORT);
  const wsPort = port('ws-port', values['ws-port'] ?? env.LOPHOC_BROKER_WS_PORT);
  const provisioningPort = port('provisioning-port', values['provisioning-port'] ?? env.LOPHOC_BROKER_PROVISIONING_PORT);
  const anonymous = values['allow-anonymous'] === true;
  if (anonymous && provisioningPort !== undefined) throw new UsageError('--allow-anonymous and --provisioning-port do not go together');
  const cityUrl = values['city-url'] ?? env.LOPHOC_CITY_URL;
  const cityTopics = values['city-topic'] ?? [];
  if (cityUrl && cityTopics.length === 0) throw new UsageError('--city-url needs at least one --city-topic FILTER to forward');
  return {
    cityUplink: cityUrl
      ? {
          upstream: {
            url: cityUrl,
            username: values['city-username'] ?? env.LOPHOC_CITY_USERNAME,
            password: env.LOPHOC_CITY_PASSWORD,
            clientId: values['city-client-id'] ?? `lophoc-${values.id ?? 'broker'}`,
          },
          patterns: cityTopics,
          topicPrefix: values['city-prefix'] ?? '',
          bufferFile: join(dir, 'city-uplink.db'),
        }
      : undefined,
    id: values.id ?? env.LOPHOC_BROKER_ID,
    host,
    port: port('port', values.port ?? env.LOPHOC_BROKER_PORT) ?? 1883,
    tls: tlsPort === undefined ? undefined : { port: tlsPort, certFile: values.cert, keyFile: values.key, certDir: join(dir, 'tls') },
    ws: wsPort === undefined ? undefined : { port: wsPort },
    provisioning: provisioningPort === undefined ? undefined : { port: provisioningPort, publicHost: values['public-host'] },
    registry: anonymous ? undefined : join(dir, 'registry.db'),
    storage,
    ...(values.nagle === true || env.LOPHOC_BROKER_NAGLE === '1' ? { tcpNoDelay: false } : {}),
  };
}

const formatTime = (ms: number | null) => (ms === null ? 'never' : new Date(ms).toISOString());

/** Runs one registry command; returns what to print. Throws UsageError / RegistryError with a clear message. */
export async function runAdminCommand(args: string[], env: NodeJS.ProcessEnv, now = Date.now()): Promise<string> {
  const [command, sub] = args;
  if (command === 'help' || args.includes('--help')) return USAGE;
  const { values, positionals } = parseArgs({
    args: args.slice(1),
    options: {
      data: { type: 'string' },
      id: { type: 'string' },
      kind: { type: 'string' },
      name: { type: 'string' },
      parent: { type: 'string' },
      site: { type: 'string' },
      node: { type: 'string' },
      room: { type: 'string' },
      ttl: { type: 'string' },
      username: { type: 'string' },
      role: { type: 'string' },
    },
    allowPositionals: true,
    strict: true,
  });
  const need = (name: keyof typeof values): string => {
    const value = values[name];
    if (typeof value !== 'string' || value === '')
      throw new UsageError(`${command}${sub && !sub.startsWith('-') ? ` ${sub}` : ''}: --${name} is required`);
    return value;
  };
  const dir = dataDir(values.data, env);
  mkdirSync(dir, { recursive: true });
  const registry = Registry.open(join(dir, 'registry.db'));
  try {
    switch (command) {
      case 'site':
        if (sub === 'add') {
          const kind = need('kind');
          if (!SITE_KINDS.includes(kind as SiteKind)) throw new UsageError(`--kind must be one of ${SITE_KINDS.join(', ')}, got "${kind}"`);
          const site = registry.addSite({ id: need('id'), kind: kind as SiteKind, name: need('name'), parent: values.parent });
          return `site ${site.id} (${site.kind}) "${site.name}"${site.parent ? ` under ${site.parent}` : ''}`;
        }
        if (sub === 'list')
          return registry
            .listSites()
            .map((s) => `${s.id}\t${s.kind}\t${s.parent ?? '-'}\t${s.name}`)
            .join('\n');
        throw new UsageError('site: use "site add" or "site list"');
      case 'claim': {
        const kind = need('kind');
        if (!NODE_KINDS.includes(kind as NodeKind)) throw new UsageError(`--kind must be gateway or kiosk, got "${kind}"`);
        const token = registry.issueClaimToken({
          site: need('site'),
          node: need('node'),
          kind: kind as NodeKind,
          room: values.room,
          ttlMs: parseDuration(values.ttl ?? '24h'),
          now,
        });
        return `claim token for ${values.site}/${values.node} (one use, expires ${formatTime(token.expiresAt)}):\n${token.token}`;
      }
      case 'nodes': {
        const rows = registry.listNodes();
        if (rows.length === 0) return 'no nodes enrolled';
        return [
          'site\tnode\tkind\troom\tlast seen\tstatus',
          ...rows.map(
            (r) => `${r.site}\t${r.node}\t${r.kind}\t${r.room ?? '-'}\t${formatTime(r.lastSeen)}\t${r.revoked ? 'revoked' : 'active'}`,
          ),
        ].join('\n');
      }
      case 'service': {
        if (sub !== 'add') throw new UsageError('service: use "service add --username NAME --role service|operator"');
        const role = need('role');
        if (role !== 'service' && role !== 'operator') throw new UsageError(`--role must be service or operator, got "${role}"`);
        const credentials = await registry.ensureServiceAccount({ username: need('username'), role });
        return `account ${credentials.username} (${role}); password (shown once):\n${credentials.password}`;
      }
      case 'rotate': {
        const username = positionals[0];
        if (!username) throw new UsageError('rotate: give the USERNAME');
        const credentials = await registry.rotate(username);
        return `new password for ${username} (shown once; its live connections are closed):\n${credentials.password}`;
      }
      case 'revoke': {
        const username = positionals[0];
        if (!username) throw new UsageError('revoke: give the USERNAME');
        registry.revoke(username, now);
        return `revoked ${username}; its live connections are closed`;
      }
      case 'export': {
        if (sub !== 'mosquitto' || !positionals[1]) throw new UsageError('export: use "export mosquitto DIR"');
        const result = await exportMosquitto(registry, resolve(positionals[1]));
        return `wrote ${result.accounts} accounts to ${result.passwordFile} and ${result.aclFile}`;
      }
      default:
        throw new UsageError(`unknown command "${command}"\n${USAGE}`);
    }
  } finally {
    registry.close();
  }
}
