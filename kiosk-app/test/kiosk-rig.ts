import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import Fastify, { type FastifyInstance } from 'fastify';
import pino from 'pino';
import { openContentDb, registerContentApi, upsertDossiers } from '../../ops-center/src/content/index.js';
import { type BrowserModeOptions, type RunningKiosk, startKioskBrowserMode } from '../src/browser/server.js';

const ROOT = resolve(import.meta.dirname, '..', '..');

const run = promisify(execFile);

export const DOSSIERS = [
  {
    code: '000.25.30.H29-261120-0012',
    procedureTitle: 'Chuyển trường đối với học sinh trung học cơ sở',
    status: 'processing' as const,
    receivedAt: '2026-11-20',
    dueAt: '2026-11-25',
    updatedAt: '2026-11-21',
  },
  {
    code: '000.25.30.H29-261121-0003',
    procedureTitle: 'Cấp bản sao văn bằng, chứng chỉ từ sổ gốc',
    status: 'ready' as const,
    receivedAt: '2026-11-21',
    dueAt: '2026-11-28',
    updatedAt: '2026-11-26',
    note: 'Mang theo căn cước khi nhận kết quả.',
  },
];

/** Builds the renderer once per test file (vite), so the test always runs the current sources. */
export async function buildRenderer(): Promise<void> {
  await run(process.execPath, [join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'vite.config.ts'], {
    cwd: join(ROOT, 'kiosk-app'),
  });
}

/** The content API on its own fastify (as the ops-center will mount it) + the kiosk in browser mode. */
export class KioskRig {
  dir = '';
  contentPort = 0;
  api: FastifyInstance | undefined;
  kiosk!: RunningKiosk;

  /** `kiosk` adds browser-mode options (a receipt printer, …). */
  async start(kiosk: Partial<BrowserModeOptions> = {}): Promise<this> {
    this.dir = await mkdtemp(join(tmpdir(), 'lophoc-kiosk-e2e-'));
    const db = openContentDb(this.contentDbPath);
    upsertDossiers(db, DOSSIERS);
    db.close();
    await this.startContentApi();
    this.kiosk = await startKioskBrowserMode({
      contentApiUrl: this.contentUrl,
      dataDir: join(this.dir, 'kiosk'),
      port: 0,
      log: pino({ level: 'silent' }),
      flushIntervalMs: 200,
      ...kiosk,
    });
    return this;
  }

  get contentDbPath(): string {
    return join(this.dir, 'content.db');
  }
  get contentUrl(): string {
    return `http://127.0.0.1:${this.contentPort}/api/content/v1`;
  }

  async startContentApi(): Promise<void> {
    const api = Fastify();
    await registerContentApi(api, { db: this.contentDbPath });
    await api.listen({ port: this.contentPort, host: '127.0.0.1' });
    this.contentPort = (api.server.address() as { port: number }).port;
    this.api = api;
  }

  async stopContentApi(): Promise<void> {
    await this.api?.close();
    this.api = undefined;
  }

  /** The scanner: what a QR reader decoded, posted to the kiosk as its keyboard-wedge bridge would. */
  async scan(text: string): Promise<void> {
    const response = await fetch(`${this.kiosk.url}kiosk-api/scan`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text }),
    });
    if (!response.ok) throw new Error(`scan refused: ${response.status}`);
  }

  intake(kind: string): { key: string; payload: Record<string, unknown> }[] {
    const db = new Database(this.contentDbPath, { readonly: true });
    try {
      return db
        .prepare<[string], { key: string; payload: string }>('SELECT key, payload FROM content_intake WHERE kind = ? ORDER BY received_at')
        .all(kind)
        .map((row) => ({ key: row.key, payload: JSON.parse(row.payload) as Record<string, unknown> }));
    } finally {
      db.close();
    }
  }

  async stop(): Promise<void> {
    await this.kiosk?.stop();
    await this.stopContentApi();
    await rm(this.dir, { recursive: true, force: true });
  }
}
