import type { Logger } from 'pino';
import type { AlertEngine } from '../alerts/engine.js';
import type { WebhookNotifier } from '../alerts/webhook.js';
import type { Commands } from '../commands/commands.js';
import type { Ingest } from '../ingest.js';
import type { Store } from '../store/store.js';
import type { LiveHub } from './live.js';

/** Everything the HTTP routes use; built once by startOpsCenter. */
export interface OpsContext {
  store: Store;
  ingest: Ingest;
  alerts: AlertEngine;
  commands: Commands;
  webhooks?: WebhookNotifier;
  live: LiveHub;
  log: Logger;
  now: () => number;
}
