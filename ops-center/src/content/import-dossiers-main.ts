import { openContentDb, upsertDossiers } from './content-db.js';
import { readDossierFile } from './import-dossiers.js';

/**
 * One-shot command (not a daemon):
 *   node --import tsx ops-center/src/content/import-dossiers-main.ts <content.db> <dossiers.csv>
 * Loads the one-stop system's export into the local dossier table; prints one line and exits 1 on bad input.
 */
const [dbPath, csvPath] = process.argv.slice(2);
if (!dbPath || !csvPath) {
  process.stderr.write('import-dossiers: usage: import-dossiers-main.ts <content.db> <dossiers.csv>\n');
  process.exit(2);
}
try {
  const dossiers = readDossierFile(csvPath);
  const db = openContentDb(dbPath);
  upsertDossiers(db, dossiers);
  db.close();
  process.stdout.write(`import-dossiers: ${dossiers.length} dossier(s) imported into ${dbPath}\n`);
} catch (error) {
  process.stderr.write(`import-dossiers: ${(error as Error).message}\n`);
  process.exit(1);
}
