import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { listen } from '@lophoc/scripts/listen';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { AlertEngine } from './alerts/engine.js';
import { WebhookNotifier } from './alerts/webhook.js';
import { addUser } from './auth/users.js';
import { Commands } from './commands/commands.js';
import { loadCommandSpecs } from './commands/specs.js';
import { type ContentApiOptions, registerContentApi } from './content/index.js';
import { loadSitesFile } from './fleet/sites-file.js';
import type { OpsContext } from './http/context.js';
import { LiveHub } from './http/live.js';
import { buildHttpServer } from './http/server.js';
import { Ingest } from './ingest.js';
import { backfillIntake, courseCenters, intakeStat } from './kiosk/intake.js';
import { openStore, type StoreConfig } from './store/open-store.js';
import type { Store } from './store/store.js';

export const CONSOLE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'console');
const DAY = 86_400_000;

export interface OpsCenterOptions {
  dataDir: string;
  mqttUrl: string;
  mqttUsername?: string;
  mqttPassword?: string;
  /** MQTT client id; one ops-center per id (persistent session). */
  mqttClientId?: string;
  host?: string;
  /** 0 lets the OS pick (tests). */
  port?: number;
  log: Logger;
  consoleDir?: string;
  /** SQLite under `dataDir` unless a PostgreSQL connection string is given. */
  store?: StoreConfig;
  /** Raw samples and records are kept this many days (default 30); 1-minute rollups 4× as long; 1-hour forever. */
  rawRetentionDays?: number;
  /** Alert, command-expiry and retention checks run this often (default 5 s). */
  tickMs?: number;
  /** Raw-data retention and expired login sessions are pruned at start and then this often (default 1 hour). */
  housekeepingMs?: number;
  alertWebhooks?: readonly string[];
  /** YAML list of sites (city, ward, name); loaded at start, replacing the same ids. */
  sitesFile?: string;
  /** Creates this account at start if no account exists yet (first admin of a fresh install). */
  initialAdmin?: { username: string; password: string };
  /**
   * The kiosk content API (ops-center/src/content), on the same server; its SQLite file defaults to
   * `dataDir/content.db`. `false` leaves it out.
   */
  content?: false | (Omit<ContentApiOptions, 'db'> & { db?: ContentApiOptions['db'] });
  /** More plugins mounted on the HTTP server before the console. */
  httpPlugins?: ((app: FastifyInstance) => Promise<void>)[];
}

export interface RunningOpsCenter {
  readonly url: string;
  readonly store: Store;
  readonly ingest: Ingest;
  readonly alerts: AlertEngine;
  readonly commands: Commands;
  /** Runs the periodic checks now (tests). */
  tick(): Promise<void>;
  /** `METHOD /path` of every HTTP route (the OpenAPI test compares them). */
  routes(): string[];
  stop(): Promise<void>;
}

/** Store → alert engine → ingest → HTTP, in that order; stopped in reverse. A failure at any step closes the earlier ones. */
export async function startOpsCenter(options: OpsCenterOptions): Promise<RunningOpsCenter> {
  const { dataDir, log, host = '127.0.0.1', port = 8080, rawRetentionDays = 30, tickMs = 5000, housekeepingMs = 3_600_000 } = options;
  if (!(rawRetentionDays > 0)) throw new TypeError(`rawRetentionDays must be a positive number, got ${rawRetentionDays}`);
  await mkdir(dataDir, { recursive: true });
  const now = () => Date.now();
  // Rollups of the last hour are written once a minute; the raw points they could be recomputed from must outlive that.
  const store = await openStore(options.store ?? { kind: 'sqlite', file: join(dataDir, 'ops-center.db') }, {
    deferRollupsMs: Math.min(3_600_000, (rawRetentionDays * DAY) / 2),
  });
  const live = new LiveHub();
  let ingest: Ingest | undefined;
  let app: FastifyInstance | undefined;
  let timer: NodeJS.Timeout | undefined;
  let webhooks: WebhookNotifier | undefined;
  let ticking: Promise<void> | undefined;
  let alerts: AlertEngine | undefined;
  let commands: Commands | undefined;
  const closeAll = async () => {
    clearInterval(timer);
    await ticking;
    await app?.close();
    await ingest?.stop();
    // Work the last batches started (alert raises, command results) finishes before the store closes.
    await alerts?.settled();
    await commands?.settled();
    await webhooks?.flush();
    live.close();
    await store.close();
  };
  try {
    if (options.sitesFile) await store.upsertSites(await loadSitesFile(options.sitesFile));
    if (options.initialAdmin && (await store.users()).length === 0) {
      await addUser(store, options.initialAdmin.username, 'admin', options.initialAdmin.password, now());
      log.info({ username: options.initialAdmin.username }, 'created the first admin account');
    }
    webhooks = options.alertWebhooks?.length
      ? new WebhookNotifier({ urls: options.alertWebhooks, log: log.child({ part: 'webhook' }) })
      : undefined;
    const alertEngine = new AlertEngine({ store, log: log.child({ part: 'alerts' }) });
    alerts = alertEngine;
    await alertEngine.start();
    alertEngine.on('change', (change) => {
      live.send('alert', change);
      webhooks?.notify(change);
    });
    ingest = new Ingest({
      url: options.mqttUrl,
      username: options.mqttUsername,
      password: options.mqttPassword,
      clientId: options.mqttClientId,
      store,
      log: log.child({ part: 'ingest' }),
    });
    const running = ingest;
    const dispatcher = new Commands({ store, publisher: running, log: log.child({ part: 'commands' }), specs: await loadCommandSpecs() });
    commands = dispatcher;
    running.on('latest', (values) => live.send('latest', values));
    running.on('written', (result) => {
      alertEngine.observe(result.samples, now());
      if (result.fleetChanged) live.fleetChanged();
      if (result.commandResults.length || result.cameOnline.length) {
        dispatcher.onWritten(result, now()).then(
          (changed) => {
            for (const command of changed) live.send('command', command);
          },
          (error: Error) => log.error({ err: error.message }, 'command update failed'),
        );
      }
    });
    let lastPrune: number | undefined;
    const tick = () =>
      (ticking ??= (async () => {
        const at = now();
        const nodes = await store.nodes();
        await alertEngine.tick(at, nodes);
        const online = new Set(nodes.filter((node) => node.online).map((node) => `${node.site}/${node.node}`));
        for (const command of await dispatcher.tick(at, online)) live.send('command', command);
        if (lastPrune === undefined || at - lastPrune >= housekeepingMs) {
          lastPrune = at;
          const pruned = await store.prune(at - rawRetentionDays * DAY, at - 4 * rawRetentionDays * DAY);
          if (pruned.samples || pruned.records) log.info(pruned, 'pruned raw data past retention');
          const sessions = await store.pruneSessions(at);
          if (sessions) log.info({ sessions }, 'pruned expired login sessions');
        }
      })()
        .catch((error: Error) => log.error({ err: error.message }, 'periodic check failed'))
        .finally(() => {
          ticking = undefined;
        }));
    await running.start();
    const context: OpsContext = {
      store,
      ingest: running,
      alerts: alertEngine,
      commands: dispatcher,
      live,
      log,
      now,
      ...(webhooks ? { webhooks } : {}),
    };
    const routes: string[] = [];
    app = await buildHttpServer({
      context,
      consoleDir: options.consoleDir ?? CONSOLE_DIR,
      plugins: [
        ...(options.content === false
          ? []
          : [
              async (server: FastifyInstance) => {
                const countIntake: ContentApiOptions['onIntake'] = async (kind, record, db) => {
                  await store.recordIntake([intakeStat(kind, record, courseCenters(db))]);
                };
                const { db } = await registerContentApi(server, {
                  db: join(dataDir, 'content.db'),
                  onIntake: countIntake,
                  ...options.content,
                });
                const added = await backfillIntake(db, store);
                if (added) log.info({ added }, 'counted kiosk intake records received before');
              },
            ]),
        ...(options.httpPlugins ?? []),
      ],
      onRoute: (route) => routes.push(route),
    });
    await app.ready();
    const boundPort = await listen(app.server, port, host, 'ops-center HTTP');
    const url = `http://${host}:${boundPort}`;
    if ((await store.users()).length === 0) {
      log.warn('no operator account yet: the console is read-only for everyone until one is created (lophoc-ops-center user add)');
    }
    timer = setInterval(tick, tickMs);
    await tick();
    log.info({ url }, 'ops-center listening');
    return { url, store, ingest: running, alerts: alertEngine, commands: dispatcher, tick, routes: () => [...routes], stop: closeAll };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
