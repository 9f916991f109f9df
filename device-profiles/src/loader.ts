import { readdir, readFile } from 'node:fs/promises';
import { basename, isAbsolute, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Document, isAlias, LineCounter, parseDocument } from 'yaml';
import { ProfileError } from './errors.js';
import { type Problem, problemsOf, profileErrorMap } from './issues.js';
import { type Profile, profileSchema } from './schema.js';
import { locate, type PathSegment, walkScalars } from './yaml-nodes.js';

type Fail = (offset: number, field: string, reason: string) => never;

/** The shipped profiles: `device-profiles/profiles`. */
export const PROFILES_DIR = fileURLToPath(new URL('../profiles', import.meta.url));

/**
 * Parses and validates one profile. `file` names it in errors and must be `<id>.yaml`.
 * Steps, in order: YAML syntax, NFC text, the schema and its cross-checks, id = file name.
 */
export function parseProfile(text: string, file: string): Profile {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const fail: Fail = (offset, field, reason) => {
    const { line, col } = lines.linePos(offset);
    throw new ProfileError(file, line, col, field, reason);
  };

  const [yamlError] = [...doc.errors, ...doc.warnings];
  if (yamlError) fail(yamlError.pos[0], '', `YAML: ${yamlError.message}`);
  if (doc.contents === null) fail(0, '', 'the file is empty; a profile is a YAML mapping');
  checkScalars(doc, fail);

  let value: unknown;
  try {
    value = doc.toJS();
  } catch (error) {
    fail(0, '', (error as Error).message); // e.g. too many aliases
  }
  const result = profileSchema.safeParse(value, { error: profileErrorMap });
  if (!result.success) {
    const first = firstInFile(doc, problemsOf(result.error.issues));
    fail(first.offset, first.path.join('.'), first.message);
  }
  const profile = result.data;

  const expected = basename(file).replace(/\.yaml$/, '');
  if (profile.id !== expected) fail(locate(doc, ['id']).offset, 'id', `"${profile.id}" must equal the file name "${expected}"`);
  return profile;
}

export async function loadProfileFile(path: string): Promise<Profile> {
  return parseProfile(await readFile(path, 'utf8'), displayPath(path));
}

/** Every `*.yaml` profile under `dir` (subfolders included, so a catalog can group by vendor), by id. */
export async function loadProfiles(dir: string = PROFILES_DIR): Promise<Map<string, Profile>> {
  const names = (await readdir(dir, { recursive: true })).sort();
  const misnamed = names.find((name) => name.endsWith('.yml'));
  if (misnamed) throw new ProfileError(displayPath(join(dir, misnamed)), 1, 1, '', 'profiles are named <id>.yaml, not .yml');
  const files = names.filter((name) => name.endsWith('.yaml')).map((name) => join(dir, name));
  const loaded = await Promise.all(files.map(loadProfileFile));
  const profiles = new Map<string, Profile>();
  const sources = new Map<string, string>();
  for (const [i, profile] of loaded.entries()) {
    const file = files[i]!;
    const other = sources.get(profile.id);
    if (other) {
      const { line, col } = positionOf(await readFile(file, 'utf8'), ['id']);
      throw new ProfileError(displayPath(file), line, col, 'id', `"${profile.id}" is already the id of ${displayPath(other)}`);
    }
    profiles.set(profile.id, profile);
    sources.set(profile.id, file);
  }
  return profiles;
}

function positionOf(text: string, path: PathSegment[]): { line: number; col: number } {
  const lines = new LineCounter();
  return lines.linePos(locate(parseDocument(text, { lineCounter: lines }), path).offset);
}

/**
 * Text must be NFC: Vietnamese can be typed as precomposed or combining characters, which look the same but
 * compare unequal. Also refuses aliases without an anchor, which `toJS()` would throw on without a position.
 */
function checkScalars(doc: Document, fail: Fail): void {
  walkScalars(doc, (value, path, offset, node) => {
    if (isAlias(node) && !node.resolve(doc)) fail(offset, path.join('.'), `alias *${node.source} has no anchor before it`);
    if (typeof value === 'string' && value !== value.normalize('NFC')) {
      fail(offset, path.join('.'), 'text must be Unicode NFC (precomposed); re-save the file as NFC');
    }
  });
}

/**
 * The problem to report: the first in the file, preferring those found at their own node over missing fields
 * (reported at their parent), since a missing field next to an unknown one is most often a misspelling.
 */
function firstInFile(doc: Document, problems: Problem[]): Problem & { offset: number } {
  const placed = problems.map((problem) => {
    const spot = locate(doc, problem.path, problem.atKey);
    return { ...problem, offset: spot.offset, rank: spot.depth < problem.path.length ? 1 : 0 };
  });
  return placed.reduce((first, problem) => ((problem.rank - first.rank || problem.offset - first.offset) < 0 ? problem : first));
}

/** Paths under the working directory print relative, as in `device-profiles/profiles/xy-md02.yaml:14:12`. */
function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}
