import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type Language, say } from './i18n.js';

/**
 * The provisioning endpoint's answer (broker: `POST /v1/claim`). zod and yaml are imported when enrolling: this
 * module is part of the daemon's bundle, whose thread must not load them (startup/helper.ts).
 */
async function claimAnswerSchema() {
  const { z } = await import('zod');
  return z.object({
    site: z.string(),
    node: z.string(),
    room: z.string().nullish(),
    username: z.string(),
    password: z.string(),
    mqttUrl: z.string().optional(),
    mqttsUrl: z.string().optional(),
    ca: z.string().optional(),
  });
}

export interface EnrolOptions {
  /** Base URL of the provisioning endpoint, e.g. https://broker.example:8443 */
  server: string;
  token: string;
  /** The gateway config to create or update. */
  configFile: string;
  dataDir: string;
  language: Language;
  progress: (line: string) => void;
  /** Trust for a provisioning server with a self-signed certificate (the dev certificate). */
  fetchImpl?: typeof fetch;
}

export class EnrolError extends Error {
  override readonly name = 'EnrolError';
}

/**
 * `lophoc-agent enrol --claim TOKEN`: presents the technician's one-time claim token to the broker's provisioning
 * endpoint and writes the credentials into the gateway config (mode 0600, written atomically), keeping the
 * devices already configured. A refused token changes nothing.
 */
export async function enrol(options: EnrolOptions): Promise<{ site: string; node: string }> {
  const { language, progress } = options;
  const url = new URL('/v1/claim', options.server).toString();
  progress(say(language, 'contacting', { url }));
  let response: Response;
  try {
    response = await (options.fetchImpl ?? fetch)(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: options.token }),
      signal: AbortSignal.timeout(15_000),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new EnrolError(say(language, 'unreachable', { url, reason: cause?.code ?? cause?.message ?? (error as Error).message }));
  }
  const body = (await response.json().catch(() => undefined)) as unknown;
  if (!response.ok) {
    const reason = (body as { error?: string } | undefined)?.error ?? `HTTP ${response.status}`;
    throw new EnrolError(say(language, 'refused', { reason }));
  }
  const parsed = (await claimAnswerSchema()).safeParse(body);
  if (!parsed.success) throw new EnrolError(say(language, 'badAnswer', { reason: parsed.error.issues[0]?.message ?? 'unknown' }));
  const answer = parsed.data;
  progress(say(language, 'claimed', { site: answer.site, node: answer.node }));

  const existing = await readExisting(options.configFile);
  const configDir = dirname(options.configFile);
  await mkdir(configDir, { recursive: true });
  const mqtt: Record<string, unknown> = { url: answer.mqttsUrl ?? answer.mqttUrl, username: answer.username, password: answer.password };
  if (answer.ca) {
    const caFile = join(configDir, 'broker-ca.pem');
    await writeFile(caFile, answer.ca, { mode: 0o644 });
    mqtt.ca = caFile;
  }
  if (!mqtt.url) throw new EnrolError(say(language, 'badAnswer', { reason: 'no broker URL' }));
  const config = {
    ...existing,
    site: answer.site,
    node: answer.node,
    ...(answer.room ? { room: answer.room } : {}),
    mqtt,
    dataDir: existing.dataDir ?? options.dataDir,
    devices: existing.devices ?? [],
  };
  progress(say(language, 'writing', { file: options.configFile }));
  const temporary = `${options.configFile}.tmp`;
  const { stringify } = await import('yaml');
  await writeFile(temporary, `# Written by lophoc-agent enrol; see docs/gateway.md\n${stringify(config)}`, { mode: 0o600 });
  await rename(temporary, options.configFile);
  progress(say(language, 'enrolled'));
  return { site: answer.site, node: answer.node };
}

async function readExisting(file: string): Promise<Record<string, unknown>> {
  try {
    const { parse } = await import('yaml');
    const value = parse(await readFile(file, 'utf8')) as unknown;
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new EnrolError(`${file}: ${(error as Error).message.split('\n')[0]}`);
  }
}
