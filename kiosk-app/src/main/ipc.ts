import type { Logger } from 'pino';
import { z } from 'zod';
import { checkSubmission } from '../browser/check-submission.js';
import type { KioskApi } from '../shared/kiosk-api.js';
import type { IpcMainInvokeEventLike, IpcMainLike } from './electron-types.js';
import { isAllowedUrl } from './origin-policy.js';

/**
 * What main does for the renderer: the KioskApi without the subscriptions (main pushes scans on `kiosk:scan` and
 * notices on `kiosk:notice`).
 */
export type KioskBackend = Omit<KioskApi, 'onScan' | 'onNotice'>;

export class IpcRefused extends Error {
  constructor(
    readonly channel: string,
    message: string,
  ) {
    super(`${channel}: ${message}`);
    this.name = 'IpcRefused';
  }
}

const text = (max: number) => z.string().max(max);
/** Each channel's arguments, as the preload (src/preload/preload.ts) sends them. */
const channels = {
  'kiosk:version': z.tuple([]),
  'kiosk:catalog': z.tuple([]),
  'kiosk:search': z.tuple([text(200)]),
  'kiosk:dossier': z.tuple([text(60)]),
  'kiosk:submit': z.tuple([z.unknown()]),
  'kiosk:reprint-receipt': z.tuple([z.string().regex(/^[A-Za-z0-9_-]{8,80}$/, 'must be a submission key')]),
  'kiosk:handoff-qr': z.tuple([z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be a course id')]),
  'kiosk:end-session': z.tuple([]),
} as const;
export type KioskChannel = keyof typeof channels;
export const KIOSK_CHANNELS = Object.keys(channels) as KioskChannel[];

/**
 * Registers the `kiosk:*` handlers. Every call is checked (Electron security checklist §17): the sender's
 * frame must be on an allowed origin, and the arguments must match the channel's schema; anything else is
 * refused with an error naming the channel and what was wrong, and the kiosk keeps running.
 * Returns a function that removes the handlers.
 */
export function registerKioskIpc(ipcMain: IpcMainLike, backend: KioskBackend, allowedOrigins: readonly string[], log: Logger): () => void {
  const run: { [C in KioskChannel]: (args: z.infer<(typeof channels)[C]>) => Promise<unknown> } = {
    'kiosk:version': () => backend.version(),
    'kiosk:catalog': () => backend.catalog(),
    'kiosk:search': ([query]) => backend.search(query.normalize('NFC')),
    'kiosk:dossier': ([code]) => backend.dossier(code),
    'kiosk:submit': async ([body]) => {
      const checked = checkSubmission(body);
      return checked.ok ? backend.submit(checked.submission) : checked;
    },
    'kiosk:reprint-receipt': ([key]) => backend.reprintReceipt(key),
    'kiosk:handoff-qr': ([courseId]) => backend.handoffQr(courseId),
    'kiosk:end-session': () => backend.endSession(),
  };
  for (const channel of KIOSK_CHANNELS) {
    ipcMain.handle(channel, async (event: IpcMainInvokeEventLike, ...args: unknown[]) => {
      const url = event.senderFrame?.url ?? '';
      if (!isAllowedUrl(url, allowedOrigins)) {
        log.warn({ channel }, 'IPC from a foreign frame refused');
        throw new IpcRefused(channel, 'sender is not the kiosk page');
      }
      const parsed = channels[channel].safeParse(args);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const where = issue?.path.length ? `argument ${issue.path.join('.')}` : 'arguments';
        log.warn({ channel, where }, 'malformed IPC message refused');
        throw new IpcRefused(channel, `${where} ${issue?.message ?? 'invalid'}`);
      }
      return (run[channel] as (args: unknown) => Promise<unknown>)(parsed.data);
    });
  }
  return () => {
    for (const channel of KIOSK_CHANNELS) ipcMain.removeHandler(channel);
  };
}
