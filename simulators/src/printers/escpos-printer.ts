import { closeSerialEndpoint, openSerialEndpoint } from '../serial-endpoint.js';

export type PaperState = 'ok' | 'near-end' | 'out';

export interface PrintedLine {
  text: string;
  bold: boolean;
  align: 'left' | 'center' | 'right';
  /** GS ! width × height multipliers. */
  width: number;
  height: number;
}

export interface PrintedReceipt {
  lines: PrintedLine[];
  /** ESC t tables selected while printing it. */
  codeTables: number[];
  cut: boolean;
}

export interface EscPosPrinterOptions {
  paper?: PaperState;
  /** `ESC t` number → WHATWG encoding name of the tables this printer has; others print as CP437-ish ASCII. */
  codeTables?: Record<number, string>;
  baudRate?: number;
  /** Cover open: the printer goes offline (prints nothing) but still answers real-time status. */
  coverOpen?: boolean;
}

/** DLE EOT 4 reply (ESC/POS "Transmit real-time status", n = 4): fixed bits 1 and 4, paper near end 2–3, end 5–6. */
const PAPER_STATUS: Record<PaperState, number> = { ok: 0x12, 'near-end': 0x1e, out: 0x72 };
/** Fixed bits of every DLE EOT reply: 1 and 4 set, 0 and 7 clear. */
const STATUS_FIXED = 0x12;

/**
 * A 58 mm ESC/POS thermal printer on the device end of a pty: decodes initialize, ESC t, ESC a, ESC E, GS !,
 * ESC d, GS V and text in the selected code table into receipts, and answers DLE EOT 1–4 (printer, offline
 * cause, error cause, paper sensor). Out of paper or with its cover open it prints nothing (real printers go
 * offline) but still answers status, as real-time commands are processed offline too.
 */
export async function startEscPosPrinter(path: string, options: EscPosPrinterOptions = {}) {
  const { codeTables = { 52: 'windows-1258', 30: 'windows-1258' }, baudRate = 9600 } = options;
  let paper: PaperState = options.paper ?? 'ok';
  let coverOpen = options.coverOpen ?? false;
  const offline = () => paper === 'out' || coverOpen;
  /** DLE EOT n replies, ESC/POS "Transmit real-time status". */
  const status = (n: number | undefined): number => {
    if (n === 1) return STATUS_FIXED | (offline() ? 0x08 : 0); // bit 3: offline
    // n = 2, offline cause: bit 2 cover open, bit 5 printing stopped by paper end.
    if (n === 2) return STATUS_FIXED | (coverOpen ? 0x04 : 0) | (paper === 'out' ? 0x20 : 0);
    if (n === 4) return PAPER_STATUS[paper];
    return STATUS_FIXED; // n = 3, error cause: none
  };
  const port = await openSerialEndpoint(path, baudRate);
  const receipts: PrintedReceipt[] = [];
  const unknownCommands: string[] = [];
  const listeners = new Set<(receipt: PrintedReceipt) => void>();
  let pending = Buffer.alloc(0);
  let style = { bold: false, align: 'left' as PrintedLine['align'], width: 1, height: 1 };
  let table = 0;
  let current: PrintedReceipt = { lines: [], codeTables: [], cut: false };
  let text: number[] = [];

  const decodeText = () => {
    const encoding = codeTables[table];
    const bytes = Uint8Array.from(text);
    text = [];
    return encoding
      ? new TextDecoder(encoding).decode(bytes).normalize('NFC')
      : String.fromCharCode(...[...bytes].map((b) => (b < 0x80 ? b : 0x3f)));
  };
  const endLine = () => {
    current.lines.push({ text: decodeText(), ...style });
  };
  const finish = () => {
    if (text.length) endLine();
    current.cut = true;
    receipts.push(current);
    for (const listener of listeners) listener(current);
    current = { lines: [], codeTables: [], cut: false };
  };

  /** Consumes one command or text byte at `at`; returns how many bytes it used, 0 when more are needed. */
  const step = (bytes: Buffer, at: number): number => {
    const byte = bytes[at] as number;
    const need = (n: number) => (bytes.length - at >= n ? n : 0);
    if (byte === 0x10) {
      if (!need(3)) return 0;
      if (bytes[at + 1] === 0x04) {
        port.write(Buffer.from([status(bytes[at + 2])]));
      }
      return 3;
    }
    if (offline()) return 1;
    if (byte === 0x0a) {
      endLine();
      return 1;
    }
    if (byte === 0x1b) {
      if (!need(2)) return 0;
      const command = bytes[at + 1];
      if (command === 0x40) {
        style = { bold: false, align: 'left', width: 1, height: 1 };
        table = 0;
        return 2;
      }
      if (!need(3)) return 0;
      const n = bytes[at + 2] as number;
      if (command === 0x74) {
        table = n;
        current.codeTables.push(n);
      } else if (command === 0x61) style.align = (['left', 'center', 'right'] as const)[n % 3] ?? 'left';
      else if (command === 0x45) style.bold = (n & 1) === 1;
      else if (command === 0x64) for (let i = 0; i < n; i += 1) current.lines.push({ text: '', ...style });
      else unknownCommands.push(`ESC ${command?.toString(16)}`);
      return 3;
    }
    if (byte === 0x1d) {
      if (!need(3)) return 0;
      const command = bytes[at + 1];
      if (command === 0x21) {
        const n = bytes[at + 2] as number;
        style = { ...style, width: (n >> 4) + 1, height: (n & 0x0f) + 1 };
        return 3;
      }
      if (command === 0x56) {
        const m = bytes[at + 2] as number;
        if (m === 0x41 || m === 0x42) {
          if (!need(4)) return 0;
          finish();
          return 4;
        }
        finish();
        return 3;
      }
      unknownCommands.push(`GS ${command?.toString(16)}`);
      return 3;
    }
    text.push(byte);
    return 1;
  };

  port.on('data', (chunk: Buffer) => {
    let bytes = Buffer.concat([pending, chunk]);
    let at = 0;
    while (at < bytes.length) {
      const used = step(bytes, at);
      if (used === 0) break;
      at += used;
    }
    bytes = bytes.subarray(at);
    pending = Buffer.from(bytes);
  });

  return {
    receipts,
    unknownCommands,
    setPaper(state: PaperState) {
      paper = state;
    },
    setCoverOpen(open: boolean) {
      coverOpen = open;
    },
    /** Resolves with the next receipt cut. */
    nextReceipt(timeoutMs = 5000): Promise<PrintedReceipt> {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          listeners.delete(listener);
          reject(new Error(`no receipt was cut within ${timeoutMs} ms`));
        }, timeoutMs);
        const listener = (receipt: PrintedReceipt) => {
          clearTimeout(timer);
          listeners.delete(listener);
          resolve(receipt);
        };
        listeners.add(listener);
      });
    },
    close: () => closeSerialEndpoint(port),
  };
}

export type RunningEscPosPrinter = Awaited<ReturnType<typeof startEscPosPrinter>>;
