export { type ContentApiOptions, registerContentApi } from './content-api.js';
export { openContentDb, readCatalog, replaceCatalog, storeIntake, upsertDossiers } from './content-db.js';
export { type DossierAdapter, LocalTableDossierAdapter } from './dossier-adapter.js';
export { DOSSIER_CSV_COLUMNS, parseDossierCsv, readDossierFile } from './import-dossiers.js';
export * from './schema.js';
export { SEED_CENTERS, seedCourses, seedProcedures } from './seed.js';
