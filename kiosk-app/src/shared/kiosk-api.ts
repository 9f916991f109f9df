import type { ScanEvent } from '../core/scan.js';
import type { Catalog, Dossier, Submission } from './content.js';

export type { ScanEvent };

export type DossierLookup = { ok: true; dossier: Dossier } | { ok: false; reason: 'bad-code' | 'not-found' | 'offline' };

/**
 * What the receipt printer driver can tell apart (src/devices/receipt-printer.ts): the paper sensor says empty,
 * the cover is open, the printer did not answer its status request in time (off, jammed), or the port is gone
 * (unplugged). `failed` is anything else (e.g. the course left the catalog): no receipt, same advice.
 */
export const PRINTER_PROBLEMS = ['paper-out', 'cover-open', 'no-response', 'unplugged', 'failed'] as const;
export type PrinterProblem = (typeof PRINTER_PROBLEMS)[number];

/** Whether the enrolment confirmation came out of the printer. The enrolment is saved either way. */
export type ReceiptOutcome = { printed: true } | { printed: false; problem: PrinterProblem };

/** `receipt` is present for an enrolment on a kiosk with a receipt printer, absent otherwise. */
export type SubmitResult = { ok: true; delivered: boolean; receipt?: ReceiptOutcome } | { ok: false; reason: 'invalid'; field: string };

/**
 * Things main (or browser mode) refused or could not do on the citizen's behalf, told to the renderer so it can
 * say so kindly: a scan that could not be read, a navigation or new window the shell refused, a web permission
 * it denied. They carry no detail (no URL, no scanned text): the citizen needs a sentence, the journal has the rest.
 */
export const NOTICE_KINDS = ['scan-unreadable', 'navigation-refused', 'window-refused', 'permission-refused'] as const;
export type KioskNotice = { kind: (typeof NOTICE_KINDS)[number] };

/**
 * The narrow API the preload exposes to the renderer (DESIGN §2, kiosk-app). The renderer sees only this
 * interface; browser mode implements it over HTTP, Electron over checked IPC, so the renderer cannot tell.
 */
export interface KioskApi {
  /** Version of the kiosk software, shown on the maintenance screen. */
  version(): Promise<string>;
  /** The cached catalog (works offline; `updatedAt` says when it was fetched). */
  catalog(): Promise<Catalog>;
  /** Course ids, best match first (folded, typo- and order-tolerant). */
  search(query: string): Promise<string[]>;
  dossier(code: string): Promise<DossierLookup>;
  /** Queues an enrolment, feedback or rating in the outbox; idempotent on `key`. Prints an enrolment's receipt. */
  submit(submission: Submission): Promise<SubmitResult>;
  /** Prints this session's enrolment receipt again (after the paper was refilled); only the last enrolment's key. */
  reprintReceipt(key: string): Promise<ReceiptOutcome>;
  /** A QR code (module matrix) that opens the course's enrolment page on the citizen's phone. */
  handoffQr(courseId: string): Promise<QrMatrix>;
  /** Scans from the QR/barcode reader; returns a function that stops listening. */
  onScan(listener: (event: ScanEvent) => void): () => void;
  /** Refusals and device problems to tell the citizen about; returns a function that stops listening. */
  onNotice(listener: (notice: KioskNotice) => void): () => void;
  /** The citizen left (idle or "Kết thúc"): forget everything of this session. */
  endSession(): Promise<void>;
}

/** A QR code as `size` rows of `size` characters, '1' for a dark module. */
export interface QrMatrix {
  size: number;
  rows: string[];
}

export const KIOSK_API_KEY = 'lophoc';

/** Checks a notice arriving from outside the renderer (IPC or server-sent event); anything else is dropped. */
export function parseKioskNotice(value: unknown): KioskNotice | undefined {
  const kind = (value as { kind?: unknown } | null)?.kind;
  return typeof value === 'object' && NOTICE_KINDS.includes(kind as KioskNotice['kind'])
    ? { kind: kind as KioskNotice['kind'] }
    : undefined;
}

/**
 * The short reference a citizen writes down when the receipt could not print: the first 8 letters or digits of
 * the enrolment key after its prefix, in two groups ("enrol-7f3a92c1-…" → "7F3A 92C1"). Staff find the enrolment
 * by the key starting with `enrol-7f3a92c1`.
 */
export function enrolmentReference(key: string): string {
  const body = key
    .slice(key.indexOf('-') + 1)
    .replace(/[^a-z0-9]/gi, '')
    .slice(0, 8)
    .toUpperCase();
  return body.length > 4 ? `${body.slice(0, 4)} ${body.slice(4)}` : body;
}
