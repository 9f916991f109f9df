/** Inclusive `[from, to]` seq ranges, as carried by `ack` (DESIGN §3). */
export type SeqRange = [number, number];

/** Sorts and coalesces seq numbers or ranges into the fewest inclusive ranges. */
export function mergeRanges(input: Iterable<number | SeqRange>): SeqRange[] {
  const ranges: SeqRange[] = [];
  for (const item of input) ranges.push(typeof item === 'number' ? [item, item] : [item[0], item[1]]);
  ranges.sort((a, b) => a[0] - b[0]);
  const merged: SeqRange[] = [];
  for (const range of ranges) {
    const last = merged.at(-1);
    if (last && range[0] <= last[1] + 1) last[1] = Math.max(last[1], range[1]);
    else merged.push([range[0], range[1]]);
  }
  return merged;
}

export function rangesContain(ranges: readonly SeqRange[], value: number): boolean {
  return ranges.some(([from, to]) => value >= from && value <= to);
}
