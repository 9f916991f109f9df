import type { z } from 'zod';
import type { PathSegment } from './yaml-nodes.js';

/** One thing wrong with a profile, before it is placed in the file. */
export interface Problem {
  path: PathSegment[];
  message: string;
  /** Report the key at `path` rather than its value (an unknown field). */
  atKey: boolean;
}

/** Message overrides for parsing a profile; schema-level messages still win. */
export const profileErrorMap: z.core.$ZodErrorMap = (issue) =>
  issue.code === 'invalid_type' && issue.input === undefined ? `missing required field (expected ${issue.expected})` : undefined;

/**
 * Flattens zod issues into problems with full paths. A union that matched no branch is replaced by the
 * issues of its closest branch, so `parse: {regex: 1}` reports the regex rather than "Invalid input".
 */
export function problemsOf(issues: readonly z.core.$ZodIssue[], prefix: PathSegment[] = []): Problem[] {
  return issues.flatMap((issue): Problem[] => {
    const path = [...prefix, ...(issue.path as PathSegment[])];
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      const closest = issue.errors.reduce((best, branch) => (closer(branch, best) ? branch : best));
      return problemsOf(closest, path);
    }
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ path: [...path, key], message: 'unknown field', atKey: true }));
    }
    return [{ path, message: issue.message, atKey: false }];
  });
}

/**
 * Whether union branch `a` is closer to matching than `b`: fewer failed checks (each unknown key counts one),
 * then the one that got deeper into the value before failing.
 */
function closer(a: readonly z.core.$ZodIssue[], b: readonly z.core.$ZodIssue[]): boolean {
  const distance = (issues: readonly z.core.$ZodIssue[]) =>
    issues.reduce((sum, issue) => sum + (issue.code === 'unrecognized_keys' ? issue.keys.length : 1), 0);
  const depth = (issues: readonly z.core.$ZodIssue[]) => Math.max(...issues.map((issue) => issue.path.length));
  return distance(a) !== distance(b) ? distance(a) < distance(b) : depth(a) > depth(b);
}
