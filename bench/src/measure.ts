/** Runs `fn` repeatedly for about `ms` after a warm-up and returns operations per second (median of 5 rounds). */
export function opsPerSecond(fn: () => unknown, ms = 300): number {
  const round = () => {
    let operations = 0;
    const start = process.hrtime.bigint();
    const budget = BigInt(ms) * 1_000_000n;
    let elapsed = 0n;
    while (elapsed < budget) {
      for (let i = 0; i < 100; i++) fn();
      operations += 100;
      elapsed = process.hrtime.bigint() - start;
    }
    return operations / (Number(elapsed) / 1e9);
  };
  round(); // warm-up: let the JIT settle
  const rounds = Array.from({ length: 5 }, round).sort((a, b) => a - b);
  return rounds[2]!;
}

export interface Row {
  case: string;
  ours: number;
  peer: number;
  peerName: string;
}

export function printTable(title: string, rows: Row[]): void {
  const format = (n: number) => Math.round(n).toLocaleString('en-US');
  process.stdout.write(`\n${title}\n`);
  process.stdout.write(`${'case'.padEnd(44)}${'LopHoc ops/s'.padStart(16)}${'peer ops/s'.padStart(16)}  ratio  peer\n`);
  for (const row of rows) {
    process.stdout.write(
      `${row.case.padEnd(44)}${format(row.ours).padStart(16)}${format(row.peer).padStart(16)}  ${(row.ours / row.peer).toFixed(2).padStart(5)}  ${row.peerName}\n`,
    );
  }
}

/** The middle value (the mean of the two middle ones for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
