import { type BirthPayload, type CmdResultPayload, decodeMessage, encodeMessage, type NodeAddress, type Topic } from '@lophoc/protocol';
import mqtt, { type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import type { DeviceAvailability } from '../devices/availability.js';
import { KIOSK_DEVICE, type KioskActions, MAX_SCREENSHOT_BYTES, parseCommand } from './kiosk-commands.js';

/** Self-stats of the kiosk, sampled when health is published. */
export interface KioskHealth {
  rssBytes: number;
  outboxDepth: number;
  rendererCrashes: number;
  rendererRestarts: number;
  /** When the catalog was last fetched; undefined if never. */
  lastSyncAt?: number;
  /** The printer and scanner by device id (those configured): usable or not, and why. */
  devices?: Record<string, DeviceAvailability>;
}

export interface KioskNodeOptions extends NodeAddress {
  url: string;
  username?: string;
  password?: string;
  version: string;
  log: Logger;
  actions: KioskActions;
  health(): KioskHealth;
  /** Peripherals announced in the birth message. */
  devices?: BirthPayload['devices'];
  healthIntervalMs?: number;
  now?: () => number;
}

/** The kiosk itself as a device of the birth message: what operators can ask of it. */
export const KIOSK_BIRTH_DEVICE: BirthPayload['devices'][number] = {
  id: KIOSK_DEVICE,
  profile: 'lophoc-kiosk',
  name: 'Kiosk',
  exposes: [
    { name: 'reload', kind: 'command', description: 'Reload the kiosk page' },
    { name: 'restart', kind: 'command', description: 'Relaunch the kiosk application' },
    { name: 'screenshot', kind: 'command', description: 'Capture the screen (params: maxWidth)' },
    { name: 'sync_now', kind: 'command', description: 'Fetch the catalog and deliver the outbox now (method "sync-now")' },
  ],
};

/**
 * The kiosk as a node of DESIGN §3: retained birth and state (LWT `online:false`), periodic health, and the
 * `cmd` topic for reload, restart, screenshot and sync-now. Each command is checked (device, expiry, params)
 * and answered on `cmd/result` exactly once per id; a bad one is refused with the reason, the kiosk keeps running.
 */
export class KioskNode {
  private client: MqttClient | undefined;
  private healthTimer: NodeJS.Timeout | undefined;
  private readonly results = new Map<string, CmdResultPayload>();
  private readonly startedAt: number;
  private readonly now: () => number;

  constructor(private readonly options: KioskNodeOptions) {
    this.now = options.now ?? Date.now;
    this.startedAt = this.now();
  }

  private topic<K extends 'state' | 'birth' | 'health' | 'cmd' | 'cmd-result'>(kind: K): Extract<Topic, { kind: K }> {
    return { kind, site: this.options.site, node: this.options.node } as Extract<Topic, { kind: K }>;
  }

  /** Connects; resolves once birth and state are published. */
  async start(): Promise<void> {
    const { url, username, password, site, node, version, log } = this.options;
    const will = encodeMessage(this.topic('state'), { v: 1, online: false, ts: this.now(), version });
    const client = mqtt.connect(url, {
      clientId: `${site}.${node}`,
      username,
      password,
      clean: true,
      reconnectPeriod: 5000,
      connectTimeout: 10_000,
      will: { topic: will.topic, payload: will.payload, qos: 1, retain: true },
    });
    this.client = client;
    client.on('error', (error) => log.warn({ err: error.message }, 'mqtt error'));
    client.on('message', (topic, payload) => void this.onMessage(topic, payload));
    const connected = new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
    });
    client.on('connect', () => void this.announce());
    await connected;
    await this.announce();
    const { healthIntervalMs = 60_000 } = this.options;
    this.healthTimer = setInterval(() => this.publishHealth(), healthIntervalMs);
  }

  private async announce(): Promise<void> {
    const client = this.client;
    if (!client) return;
    const { version, devices = [] } = this.options;
    const birth = encodeMessage(this.topic('birth'), {
      v: 1,
      ts: this.now(),
      kind: 'kiosk',
      version,
      devices: [KIOSK_BIRTH_DEVICE, ...devices],
    });
    const state = encodeMessage(this.topic('state'), { v: 1, online: true, ts: this.now(), version });
    await client.subscribeAsync(`lophoc/v1/${this.options.site}/${this.options.node}/cmd`, { qos: 1 });
    await client.publishAsync(birth.topic, birth.payload, { qos: 1, retain: true });
    await client.publishAsync(state.topic, state.payload, { qos: 1, retain: true });
    for (const [device, availability] of Object.entries(this.options.health().devices ?? {}))
      this.publishAvailability(device, availability);
    this.publishHealth();
  }

  /**
   * A peripheral became usable or not (DESIGN §3 `{device}/availability`, retained): the ops-center shows it per
   * device of the birth message. Health carries the same in `devices`.
   */
  publishAvailability(device: string, availability: DeviceAvailability): void {
    if (!this.client?.connected) return;
    const message = encodeMessage(
      { kind: 'availability', site: this.options.site, node: this.options.node, device },
      { v: 1, online: availability.available, ts: this.now(), ...(availability.reason ? { reason: availability.reason } : {}) },
    );
    this.client.publish(message.topic, message.payload, { qos: 1, retain: true });
  }

  publishHealth(): void {
    if (!this.client?.connected) return;
    const health = this.options.health();
    const now = this.now();
    // DESIGN §3's health payload has fixed fields and a `rates` record; kiosk-specific figures go there.
    const rates: Record<string, number> = { renderer_crashes: health.rendererCrashes, renderer_restarts: health.rendererRestarts };
    if (health.lastSyncAt !== undefined) rates.last_sync_age_s = Math.max(0, (now - health.lastSyncAt) / 1000);
    const message = encodeMessage(this.topic('health'), {
      v: 1,
      ts: now,
      uptimeS: (now - this.startedAt) / 1000,
      rssBytes: Math.round(health.rssBytes),
      outboxDepth: health.outboxDepth,
      rates,
      ...(health.devices && Object.keys(health.devices).length > 0 ? { devices: health.devices } : {}),
    });
    this.client.publish(message.topic, message.payload, { qos: 0 });
  }

  private async onMessage(topic: string, bytes: Buffer): Promise<void> {
    const { log } = this.options;
    let message: ReturnType<typeof decodeMessage>;
    try {
      message = decodeMessage(topic, bytes);
    } catch (error) {
      log.warn({ err: (error as Error).message }, 'malformed command refused');
      const id = commandIdOf(bytes);
      if (id) await this.reply({ v: 1, id, ok: false, error: (error as Error).message.slice(0, 500), ts: this.now() });
      return;
    }
    if (message.kind !== 'cmd') return;
    const command = message.payload;
    const known = this.results.get(command.id);
    if (known) return this.reply(known);
    const result = await this.execute(command.device, command.method, command.params, command.expiresAt);
    const payload: CmdResultPayload = { v: 1, id: command.id, ts: this.now(), ...result };
    this.remember(command.id, payload);
    await this.reply(payload);
  }

  private async execute(
    device: string,
    method: string,
    params: Record<string, unknown>,
    expiresAt: number,
  ): Promise<{ ok: boolean; result?: unknown; error?: string }> {
    if (expiresAt <= this.now()) return { ok: false, error: `command expired at ${new Date(expiresAt).toISOString()}; not executed late` };
    if (device !== KIOSK_DEVICE)
      return { ok: false, error: `unknown device "${device}" on this kiosk; commands address "${KIOSK_DEVICE}"` };
    const parsed = parseCommand(method, params);
    if (!parsed.ok) return { ok: false, error: parsed.error };
    const { actions, log } = this.options;
    log.info({ command: parsed.command }, 'remote command');
    try {
      switch (parsed.command) {
        case 'reload':
          await actions.reload();
          return { ok: true };
        case 'restart':
          // Answer first: the process is about to go away.
          setTimeout(() => void actions.restart(), 100);
          return { ok: true, result: { restartingInMs: 100 } };
        case 'screenshot': {
          const shot = await actions.screenshot((parsed.params.maxWidth as number | undefined) ?? 800);
          if (shot.bytes.byteLength > MAX_SCREENSHOT_BYTES) {
            return {
              ok: false,
              error: `screenshot of ${shot.bytes.byteLength} bytes exceeds ${MAX_SCREENSHOT_BYTES}; ask a smaller maxWidth`,
            };
          }
          return { ok: true, result: { mime: shot.mime, base64: shot.bytes.toString('base64') } };
        }
        case 'sync-now':
          return { ok: true, result: await actions.syncNow() };
      }
    } catch (error) {
      return { ok: false, error: `${parsed.command} failed: ${(error as Error).message}`.slice(0, 500) };
    }
  }

  private remember(id: string, result: CmdResultPayload): void {
    this.results.set(id, result);
    // Keep the answer to recent ids only; a redelivery comes within seconds, not after a thousand commands.
    if (this.results.size > 1000) this.results.delete(this.results.keys().next().value as string);
  }

  private async reply(result: CmdResultPayload): Promise<void> {
    if (!this.client) return;
    const message = encodeMessage(this.topic('cmd-result'), result);
    await this.client.publishAsync(message.topic, message.payload, { qos: 1 });
  }

  /** Publishes `online:false` (a planned stop is not a lost connection) and disconnects. */
  async stop(): Promise<void> {
    if (this.healthTimer) clearInterval(this.healthTimer);
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    if (client.connected) {
      const state = encodeMessage(this.topic('state'), { v: 1, online: false, ts: this.now(), version: this.options.version });
      await client.publishAsync(state.topic, state.payload, { qos: 1, retain: true }).catch(() => undefined);
    }
    await client.endAsync();
  }
}

/** The id of a command that failed validation, so the sender still learns why. */
function commandIdOf(bytes: Buffer): string | undefined {
  try {
    const id = (JSON.parse(bytes.toString('utf8')) as { id?: unknown }).id;
    return typeof id === 'string' && id.length > 0 && id.length <= 64 ? id : undefined;
  } catch {
    return undefined;
  }
}
