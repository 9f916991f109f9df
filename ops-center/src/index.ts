/** The district operations center: ingest → store → alerts / commands → HTTP API and console. */

export { type AlertChange, AlertEngine } from './alerts/engine.js';
export { type AlertRule, type AlertRuleInput, parseRules, RuleError } from './alerts/rules.js';
export { WebhookNotifier } from './alerts/webhook.js';
export { hashPassword, verifyPassword } from './auth/passwords.js';
export { addUser, ROLES } from './auth/users.js';
export { CommandError, type CommandRequest, Commands } from './commands/commands.js';
export { fleetTree } from './fleet/tree.js';
export { Ingest, type IngestOptions, type IngestStats } from './ingest.js';
export { CONSOLE_DIR, type OpsCenterOptions, type RunningOpsCenter, startOpsCenter } from './ops-center.js';
export { openStore, type StoreConfig } from './store/open-store.js';
export { SqliteStore } from './store/sqlite-store.js';
export type * from './store/store.js';
