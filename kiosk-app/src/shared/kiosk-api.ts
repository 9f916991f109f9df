import type { ScanEvent } from '../core/scan.js';
import type { Catalog, Dossier, Submission } from './content.js';

export type { ScanEvent };

export type DossierLookup = { ok: true; dossier: Dossier } | { ok: false; reason: 'bad-code' | 'not-found' | 'offline' };

export type SubmitResult = { ok: true; delivered: boolean } | { ok: false; reason: 'invalid'; field: string };

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
  /** Queues an enrolment, feedback or rating in the outbox; idempotent on `key`. */
  submit(submission: Submission): Promise<SubmitResult>;
  /** A QR code (module matrix) that opens the course's enrolment page on the citizen's phone. */
  handoffQr(courseId: string): Promise<QrMatrix>;
  /** Scans from the QR/barcode reader; returns a function that stops listening. */
  onScan(listener: (event: ScanEvent) => void): () => void;
  /** The citizen left (idle or "Kết thúc"): forget everything of this session. */
  endSession(): Promise<void>;
}

/** A QR code as `size` rows of `size` characters, '1' for a dark module. */
export interface QrMatrix {
  size: number;
  rows: string[];
}

export const KIOSK_API_KEY = 'lophoc';
