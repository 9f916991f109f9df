import type Database from 'better-sqlite3';
import { type Dossier, dossierSchema } from './schema.js';

/**
 * Where dossier statuses come from. The built-in adapter reads the local table filled by `import-dossiers`; a
 * provincial one-stop system plugs in here later with the same two methods.
 */
export interface DossierAdapter {
  readonly name: string;
  /** The dossier, undefined if the code is unknown; throws if the source cannot be reached. */
  lookup(code: string): Promise<Dossier | undefined>;
}

export class LocalTableDossierAdapter implements DossierAdapter {
  readonly name = 'local-table';
  constructor(private readonly db: Database.Database) {}

  async lookup(code: string): Promise<Dossier | undefined> {
    const row = this.db.prepare<[string], { json: string }>('SELECT json FROM content_dossiers WHERE code = ?').get(code);
    return row ? dossierSchema.parse(JSON.parse(row.json)) : undefined;
  }
}
