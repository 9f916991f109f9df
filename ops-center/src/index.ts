/** The district operations center: ingest → store → HTTP API and console. */

export { Ingest, type IngestOptions, type IngestStats } from './ingest.js';
export { CONSOLE_DIR, type OpsCenterOptions, type RunningOpsCenter, startOpsCenter } from './ops-center.js';
export { SqliteStore } from './store/sqlite-store.js';
export type { LatestValue, NodeSummary, SeriesQuery, Store, WriteResult } from './store/store.js';
