import { type Document, isAlias, isMap, isScalar, isSeq } from 'yaml';

export type PathSegment = string | number;

/** Where a path points in the source: a character offset, and how many path segments exist in the document. */
export interface Spot {
  offset: number;
  depth: number;
}

/**
 * Walks the YAML nodes along `path` (a zod issue path) to the offset to report. A missing field is reported
 * at the nearest parent that exists; a block mapping or sequence at the key that holds it (its own range
 * starts on the next line, at its first entry); `atKey` reports the key itself, for unknown fields.
 */
export function locate(doc: Document, path: readonly PathSegment[], atKey = false): Spot {
  let node: unknown = doc.contents;
  let spot: Spot = { offset: startOf(node) ?? 0, depth: 0 };
  for (const [depth, segment] of path.entries()) {
    if (isAlias(node)) break;
    const last = depth === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(segment));
      if (!pair) break;
      const value = pair.value;
      const atPair = (last && atKey) || value === null || isMap(value) || isSeq(value);
      spot = { offset: (atPair ? startOf(pair.key) : startOf(value)) ?? spot.offset, depth: depth + 1 };
      node = value;
    } else if (isSeq(node) && typeof segment === 'number' && segment < node.items.length) {
      node = node.items[segment];
      spot = { offset: startOf(node) ?? spot.offset, depth: depth + 1 };
    } else {
      break;
    }
  }
  return spot;
}

/** Calls `visit` for every scalar key and value, and every alias, with its path. */
export function walkScalars(doc: Document, visit: (value: unknown, path: PathSegment[], offset: number, node: unknown) => void): void {
  const walk = (node: unknown, path: PathSegment[]): void => {
    if (isScalar(node)) {
      visit(node.value, path, startOf(node) ?? 0, node);
    } else if (isAlias(node)) {
      visit(undefined, path, startOf(node) ?? 0, node);
    } else if (isMap(node)) {
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : '?';
        walk(pair.key, [...path, key]);
        walk(pair.value, [...path, key]);
      }
    } else if (isSeq(node)) {
      for (const [i, item] of node.items.entries()) walk(item, [...path, i]);
    }
  };
  walk(doc.contents, []);
}

function startOf(node: unknown): number | undefined {
  return (node as { range?: [number, number, number] } | null)?.range?.[0];
}
