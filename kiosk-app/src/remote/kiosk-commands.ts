import { z } from 'zod';

/** The kiosk's own device id in `cmd` payloads (DESIGN §3: commands address a device on the node). */
export const KIOSK_DEVICE = 'kiosk';

/** Parameters of each remote command; unknown keys are refused so a typo is not silently ignored. */
export const commandParams = {
  reload: z.strictObject({}),
  restart: z.strictObject({}),
  screenshot: z.strictObject({ maxWidth: z.number().int().min(160).max(1920).optional() }),
  'sync-now': z.strictObject({}),
} as const;

export type KioskCommand = keyof typeof commandParams;
export const KIOSK_COMMANDS = Object.keys(commandParams) as KioskCommand[];

export interface Screenshot {
  mime: 'image/png' | 'image/jpeg';
  bytes: Buffer;
}

/** What the main process does for each command (injected: Electron in production, fakes in tests). */
export interface KioskActions {
  reload(): Promise<void> | void;
  /** Relaunches the whole app (Electron: app.relaunch(); app.exit(0)); systemd would also restart it. */
  restart(): Promise<void> | void;
  screenshot(maxWidth: number): Promise<Screenshot>;
  syncNow(): Promise<{ catalogUpdatedAt?: number; outboxDelivered: number }>;
}

/** A screenshot travels inside `cmd/result`; it must leave room under the protocol's 256 KiB payload bound. */
export const MAX_SCREENSHOT_BYTES = 180 * 1024;

export function parseCommand(
  method: string,
  params: Record<string, unknown>,
): { ok: true; command: KioskCommand; params: Record<string, unknown> } | { ok: false; error: string } {
  const command = (method === 'sync_now' ? 'sync-now' : method) as KioskCommand;
  const schema = commandParams[command];
  if (!schema) return { ok: false, error: `unknown kiosk command "${method}"; expected one of ${KIOSK_COMMANDS.join(', ')}` };
  const parsed = schema.safeParse(params);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.length ? `params.${issue.path.join('.')}` : 'params';
    return { ok: false, error: `${command}: ${field} ${issue?.message ?? 'is invalid'}` };
  }
  return { ok: true, command, params: parsed.data };
}
