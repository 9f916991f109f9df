import { readFileSync } from 'node:fs';
import { type Dossier, dossierSchema } from './schema.js';

/** One CSV line split into fields (RFC 4180 quoting: "a ""quoted"" field", commas inside quotes). */
export function splitCsvLine(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const char = line[i]!;
    if (quoted) {
      if (char === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      fields.push(field);
      field = '';
    } else field += char;
  }
  fields.push(field);
  return fields;
}

export const DOSSIER_CSV_COLUMNS = ['code', 'procedureTitle', 'status', 'receivedAt', 'dueAt', 'updatedAt', 'note'] as const;

/**
 * Parses the dossier export (CSV with a header naming the columns above, UTF-8). Every bad line is reported with
 * its line number and field; nothing is imported unless the whole file is good, so a half-import never happens.
 */
export function parseDossierCsv(text: string, source = 'input'): Dossier[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const header = splitCsvLine(lines[0] ?? '').map((name) => name.trim());
  const missing = DOSSIER_CSV_COLUMNS.filter((column) => column !== 'note' && !header.includes(column));
  if (missing.length > 0) throw new Error(`${source}:1: missing column(s) ${missing.join(', ')}`);
  const dossiers: Dossier[] = [];
  const problems: string[] = [];
  lines.slice(1).forEach((line, index) => {
    if (line.trim() === '') return;
    const values = splitCsvLine(line);
    const record: Record<string, string> = {};
    header.forEach((name, column) => {
      const value = values[column]?.trim().normalize('NFC');
      if (value) record[name] = value;
    });
    if (record.code) record.code = record.code.toUpperCase();
    const parsed = dossierSchema.safeParse(record);
    if (parsed.success) dossiers.push(parsed.data);
    else for (const issue of parsed.error.issues) problems.push(`${source}:${index + 2}: ${issue.path.join('.')}: ${issue.message}`);
  });
  if (problems.length > 0) throw new Error(`cannot import dossiers:\n${problems.join('\n')}`);
  return dossiers;
}

export function readDossierFile(path: string): Dossier[] {
  return parseDossierCsv(readFileSync(path, 'utf8'), path);
}
