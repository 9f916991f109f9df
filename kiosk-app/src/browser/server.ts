import { existsSync, mkdirSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import { listen } from '@lophoc/scripts/listen';
import Database from 'better-sqlite3';
import Fastify, { type FastifyBaseLogger, LogController } from 'fastify';
import type { Logger } from 'pino';
import QRCode from 'qrcode';
import { CatalogCache } from '../core/catalog-cache.js';
import { httpDeliver, Outbox } from '../core/outbox.js';
import { normalizeReceiptCode } from '../core/receipt-code.js';
import { classifyScan, unreadableScan } from '../core/scan.js';
import { SearchIndex } from '../core/search.js';
import type { EnrolmentPrinting } from '../devices/enrolment-printing.js';
import { kioskVersion } from '../main/version.js';
import type { Submission } from '../shared/content.js';
import type { DossierLookup, KioskNotice, QrMatrix, ReceiptOutcome, ScanEvent, SubmitResult } from '../shared/kiosk-api.js';
import { checkSubmission } from './check-submission.js';

export interface BrowserModeOptions {
  /** Base URL of the content API, e.g. http://127.0.0.1:8080/api/content/v1 */
  contentApiUrl: string;
  /** Where the kiosk keeps its SQLite file (catalog snapshot, outbox). */
  dataDir: string;
  port: number;
  log: Logger;
  host?: string;
  kioskId?: string;
  /** The built renderer (vite build output). */
  rendererDir?: string;
  /** Where the phone hand-off QR points: `${phoneUrl}${courseId}`. */
  phoneUrl?: string;
  syncIntervalMs?: number;
  flushIntervalMs?: number;
  /** The receipt printer: an enrolment's answer then says whether its confirmation printed. */
  printing?: EnrolmentPrinting;
}

export interface RunningKiosk {
  url: string;
  port: number;
  /** Runs one catalog sync and one outbox flush now (tests, and after the network returns). */
  syncNow(): Promise<void>;
  outboxDepth(): number;
  /** A scan read by a device in this process (serial scanner): to the page as if posted on /kiosk-api/scan. */
  deliverScan(scan: ScanEvent): void;
  /** Tells the page about a refusal or a device problem (KioskApi.onNotice). */
  notify(notice: KioskNotice): void;
  stop(): Promise<void>;
}

const DEFAULT_RENDERER_DIR = fileURLToPath(new URL('../../dist/renderer', import.meta.url));

/**
 * Browser mode: the renderer served on localhost with KioskApi over HTTP (`/kiosk-api/*`), the kiosk core behind
 * it. The QR reader's scans arrive on `POST /kiosk-api/scan` (a keyboard-wedge bridge or a test posts the
 * decoded text) and go to the page as server-sent events; the raw text is never stored or logged.
 */
export async function startKioskBrowserMode(options: BrowserModeOptions): Promise<RunningKiosk> {
  const {
    contentApiUrl,
    dataDir,
    port,
    log,
    host = '127.0.0.1',
    kioskId = 'kiosk-1',
    rendererDir = DEFAULT_RENDERER_DIR,
    phoneUrl = 'https://lophoc.example/dang-ky/',
    syncIntervalMs = 60_000,
    flushIntervalMs = 3_000,
    printing,
  } = options;
  const api = contentApiUrl.replace(/\/+$/, '');
  mkdirSync(dataDir, { recursive: true });
  const db = new Database(join(dataDir, 'kiosk.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('secure_delete = ON');
  const cache = new CatalogCache(db, `${api}/catalog`);
  const outbox = new Outbox(db);
  const deliver = httpDeliver(api, kioskId);
  let index = new SearchIndex([]);
  const rebuildIndex = () => {
    const { courses, centers } = cache.snapshot();
    const centerName = new Map(centers.map((center) => [center.id, center.name]));
    index = new SearchIndex(
      courses.map((course) => ({
        id: course.id,
        fields: [
          { text: course.title, weight: 3 },
          { text: `${course.category} ${course.ward} ${centerName.get(course.centerId) ?? ''}`, weight: 1.5 },
          { text: `${course.summary} ${course.audience}`, weight: 1 },
        ],
      })),
    );
  };
  let syncing: Promise<void> | undefined;
  const sync = () => {
    syncing ??= cache
      .sync()
      .then((result) => {
        if (result.ok && result.changed) rebuildIndex();
        if (!result.ok) log.warn({ reason: result.reason }, 'catalog sync failed; serving the last snapshot');
      })
      .finally(() => {
        syncing = undefined;
      });
    return syncing;
  };
  let flushing: Promise<unknown> = Promise.resolve();
  const flush = () => {
    flushing = flushing.then(() => outbox.flush(deliver)).catch((error: Error) => log.warn({ err: error.message }, 'outbox flush failed'));
    return flushing;
  };
  rebuildIndex();
  await sync();

  const app = Fastify({
    loggerInstance: log.child({ part: 'kiosk-browser' }) as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
  });
  const scanClients = new Set<ServerResponse>();
  // One stream carries both: scans as unnamed events (`message`), notices as `event: notice`.
  const broadcast = (frame: string) => {
    for (const client of scanClients) client.write(frame);
  };
  const deliverScan = (scan: ScanEvent) => broadcast(`data: ${JSON.stringify(scan)}\n\n`);
  const notify = (notice: KioskNotice) => broadcast(`event: notice\ndata: ${JSON.stringify(notice)}\n\n`);
  app.addHook('onSend', async (_, reply) => {
    reply.header('cache-control', 'no-store');
  });

  app.get('/kiosk-api/version', async () => ({ version: kioskVersion() }));
  app.get('/kiosk-api/catalog', async () => cache.snapshot());
  app.get<{ Querystring: { q?: string } }>('/kiosk-api/search', async (request) => ({
    ids: index.search(String(request.query.q ?? ''), 60).map((hit) => hit.id),
  }));
  app.get<{ Params: { code: string } }>('/kiosk-api/dossier/:code', async (request): Promise<DossierLookup> => {
    const code = normalizeReceiptCode(request.params.code);
    if (!code) return { ok: false, reason: 'bad-code' };
    try {
      const response = await fetch(`${api}/dossiers/${encodeURIComponent(code)}`, { signal: AbortSignal.timeout(5000) });
      if (response.status === 404) return { ok: false, reason: 'not-found' };
      if (response.status === 400) return { ok: false, reason: 'bad-code' };
      if (!response.ok) return { ok: false, reason: 'offline' };
      return { ok: true, dossier: (await response.json()) as Extract<DossierLookup, { ok: true }>['dossier'] };
    } catch {
      return { ok: false, reason: 'offline' };
    }
  });
  app.post('/kiosk-api/submit', async (request): Promise<SubmitResult> => {
    const checked = checkSubmission(request.body);
    if (!checked.ok) return checked;
    const submission = checked.submission as Submission;
    outbox.add(submission);
    await flush();
    const delivered = !outbox.has(submission.key);
    if (submission.kind !== 'enrolment' || !printing) return { ok: true, delivered };
    return { ok: true, delivered, receipt: await printing.print(cache.snapshot(), submission) };
  });
  app.post<{ Body: { key?: unknown } }>('/kiosk-api/receipt/reprint', async (request, reply): Promise<ReceiptOutcome> => {
    const key = request.body?.key;
    if (typeof key !== 'string' || !/^[A-Za-z0-9_-]{8,80}$/.test(key))
      return reply.code(400).send({ error: 'body.key must be the key of the enrolment to reprint' });
    return printing ? printing.reprint(key) : { printed: false, problem: 'failed' };
  });
  app.get<{ Querystring: { course?: string } }>('/kiosk-api/handoff-qr', async (request, reply) => {
    const course = String(request.query.course ?? '');
    if (!/^[a-z0-9-]{1,63}$/.test(course)) return reply.code(400).send({ error: 'course must be an id' });
    const { modules } = QRCode.create(`${phoneUrl}${course}`, { errorCorrectionLevel: 'M' });
    const rows = Array.from({ length: modules.size }, (_, row) =>
      Array.from({ length: modules.size }, (_, column) => (modules.get(row, column) ? '1' : '0')).join(''),
    );
    return { size: modules.size, rows } satisfies QrMatrix;
  });
  app.post('/kiosk-api/session/end', async () => {
    printing?.forget();
    return { ok: true };
  });
  app.get('/kiosk-api/scans', (request, reply) => {
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive' });
    raw.write('retry: 1000\n\n');
    scanClients.add(raw);
    request.raw.on('close', () => scanClients.delete(raw));
  });
  app.post<{ Body: { text?: unknown } }>('/kiosk-api/scan', async (request, reply) => {
    const text = request.body?.text;
    if (typeof text !== 'string' || text.length > 2000) return reply.code(400).send({ error: 'body.text must be the scanned text' });
    const unreadable = unreadableScan(text);
    if (unreadable) {
      notify({ kind: 'scan-unreadable' });
      return reply.code(422).send({ error: `body.text is not a code: ${unreadable}` });
    }
    const event: ScanEvent = classifyScan(text);
    deliverScan(event);
    return { kind: event.kind };
  });
  app.addHook('onClose', async () => {
    for (const client of scanClients) client.end();
  });

  if (existsSync(join(rendererDir, 'index.html'))) await app.register(fastifyStatic, { root: rendererDir });
  else
    app.get('/', async (_, reply) =>
      reply
        .code(503)
        .type('text/plain; charset=utf-8')
        .send('The kiosk renderer is not built: run `npm run build -w @lophoc/kiosk-app`.\n'),
    );

  await app.ready();
  let boundPort: number;
  try {
    boundPort = await listen(app.server, port, host, 'kiosk browser mode');
  } catch (error) {
    await app.close();
    db.close();
    throw error;
  }
  // While the catalog is stale (the last sync failed), retry at the outbox pace: an ETag makes it cheap.
  const timers = [
    setInterval(() => void sync(), syncIntervalMs),
    setInterval(() => {
      void flush();
      if (cache.snapshot().stale) void sync();
    }, flushIntervalMs),
  ];
  for (const timer of timers) timer.unref();
  log.info({ url: `http://${host}:${boundPort}/` }, 'kiosk browser mode listening');

  return {
    url: `http://${host}:${boundPort}/`,
    port: boundPort,
    async syncNow() {
      await sync();
      await flush();
    },
    outboxDepth: () => outbox.depth,
    deliverScan,
    notify,
    async stop() {
      for (const timer of timers) clearInterval(timer);
      await app.close();
      await flushing;
      db.close();
    },
  };
}
