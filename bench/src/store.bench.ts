import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '@lophoc/ops-center';
import type { Message } from '@lophoc/protocol';
import Database from 'better-sqlite3';
import { decodeIngested } from '../../ops-center/src/ingest/decode.js';
import { median } from './measure.js';

/**
 * Issue #6, the ingest's store alone (no broker, no MQTT): CPU per record of `SqliteStore.write` for the batch shapes
 * the ingest sees, beside the floor any SQLite ingest pays — the same readings inserted as plain rows (one multi-row
 * INSERT per 100 rows into a rowid table, one transaction per batch, no dedupe on (node, seq), no rollups, latest
 * values or seq ranges), in the same process and file system.
 * Shapes: 3 gateways with 100 records each per batch (a few busy gateways, as the ingest bench's flat-out runs), 300
 * gateways with 1 record each (a district's fleet: every batch touches each node's rows once) and with 10 each (what
 * a batch of that fleet would hold if it gathered ten times longer). Each record is one telemetry reading, as a
 * gateway with `recordsPerMessage: 1` sends it, decoded by the ingest's own decoder before the clock starts.
 * Knobs: LOPHOC_STORE_BENCH_SHAPES (gateways×records per batch, default 3x100,300x1,300x10), LOPHOC_STORE_BENCH_RECORDS (records per shape and round, default 60,000), LOPHOC_STORE_BENCH_ROUNDS (3;
 * interleaved, median printed). Pin it (`taskset -c 1 npm run bench -- store`) to compare commits: on a shared
 * machine the rounds of one run differ by up to 1.5×.
 */
const RECORDS = Number(process.env.LOPHOC_STORE_BENCH_RECORDS ?? 60_000);
const ROUNDS = Number(process.env.LOPHOC_STORE_BENCH_ROUNDS ?? 3);
const SHAPES = (process.env.LOPHOC_STORE_BENCH_SHAPES ?? '3x100,300x1,300x10').split(',').map((shape) => {
  const [nodes, perNode] = shape.split('x').map(Number);
  if (!(Number.isInteger(nodes) && Number.isInteger(perNode) && nodes! > 0 && perNode! > 0))
    throw new Error(`LOPHOC_STORE_BENCH_SHAPES: "${shape}" is not GATEWAYSxRECORDS, e.g. 300x1`);
  return { nodes: nodes!, perNode: perNode! };
});
/** Readings are timed as they would be live: around now, as their batches are received. */
const T0 = Date.now();

/** Batches of in-order telemetry, `perNode` records of each of `nodes` gateways per batch, seqs after `seqBase`. */
function batches(nodes: number, perNode: number, count: number, seqBase: number): Message[][] {
  const out: Message[][] = [];
  for (let b = 0; b < count; b++) {
    const batch: Message[] = [];
    for (let k = 0; k < perNode; k++) {
      const seq = seqBase + b * perNode + k + 1;
      for (let n = 0; n < nodes; n++) {
        const ts = T0 + seq * 10;
        const payload = Buffer.from(JSON.stringify({ v: 1, ts, seq, values: { temperature: 20 + (seq % 100) / 10 } }));
        batch.push(decodeIngested(`lophoc/v1/bench-site/gw-${n}/th-1/telemetry`, payload));
      }
    }
    out.push(batch);
  }
  return out;
}

const cpuMicros = (start: NodeJS.CpuUsage) => {
  const { user, system } = process.cpuUsage(start);
  return user + system;
};

/** µs of CPU per record for the store to write every batch (after warm-up batches, which also create the series). */
async function measureStore(file: string, nodes: number, perNode: number, count: number): Promise<number> {
  const store = new SqliteStore(file);
  try {
    for (const batch of batches(nodes, perNode, 20, 0)) await store.write(batch, Date.now());
    const work = batches(nodes, perNode, count, 20 * perNode);
    const start = process.cpuUsage();
    for (const batch of work) await store.write(batch, Date.now());
    return cpuMicros(start) / (count * nodes * perNode);
  } finally {
    await store.close();
  }
}

/** The same readings as plain rows: the floor (WAL, synchronous NORMAL as the store, 100 rows per statement). */
function measureFloor(file: string, nodes: number, perNode: number, count: number): number {
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec('CREATE TABLE readings (site TEXT, node TEXT, device TEXT, seq INTEGER, ts INTEGER, name TEXT, value REAL)');
    const rows = 100;
    const many = db.prepare(`INSERT INTO readings VALUES ${Array(rows).fill('(?, ?, ?, ?, ?, ?, ?)').join(', ')}`);
    const one = db.prepare('INSERT INTO readings VALUES (?, ?, ?, ?, ?, ?, ?)');
    const write = db.transaction((batch: Message[]) => {
      let values: unknown[] = [];
      for (const message of batch) {
        if (message.kind !== 'telemetry' || Array.isArray(message.payload)) continue;
        const { site, node, device } = message.topic;
        const { seq, ts } = message.payload;
        for (const name in message.payload.values) {
          values.push(site, node, device, seq, ts, name, message.payload.values[name]);
          if (values.length === rows * 7) {
            many.run(values);
            values = [];
          }
        }
      }
      for (let at = 0; at < values.length; at += 7) one.run(values.slice(at, at + 7));
    });
    for (const batch of batches(nodes, perNode, 20, 0)) write(batch);
    const work = batches(nodes, perNode, count, 20 * perNode);
    const start = process.cpuUsage();
    for (const batch of work) write(batch);
    return cpuMicros(start) / (count * nodes * perNode);
  } finally {
    db.close();
  }
}

export default async function runStoreBench(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'lophoc-store-bench-'));
  const lines: string[] = [];
  try {
    for (const { nodes, perNode } of SHAPES) {
      const count = Math.max(1, Math.round(RECORDS / (nodes * perNode)));
      const store: number[] = [];
      const floor: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        // Alternate which goes first, so drifting machine load does not always favour one of them.
        const runStore = async () =>
          store.push(await measureStore(join(dir, `store-${nodes}-${perNode}-${round}.db`), nodes, perNode, count));
        const runFloor = () => floor.push(measureFloor(join(dir, `floor-${nodes}-${perNode}-${round}.db`), nodes, perNode, count));
        if (round % 2) {
          runFloor();
          await runStore();
        } else {
          await runStore();
          runFloor();
        }
      }
      const label = `${nodes} gateways × ${perNode} record${perNode > 1 ? 's' : ''} per batch`;
      lines.push(
        `${label.padEnd(38)}${median(store).toFixed(2).padStart(10)}${median(floor).toFixed(2).padStart(10)}${(median(store) / median(floor)).toFixed(1).padStart(8)}   ${store.map((v) => v.toFixed(1)).join(' / ')}`,
      );
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  process.stdout.write(
    `\nOps-center store alone: CPU µs per record written, median of ${ROUNDS} interleaved rounds, ~${RECORDS.toLocaleString('en')} records per shape and round\n`,
  );
  process.stdout.write(`${'shape'.padEnd(38)}${'store'.padStart(10)}${'floor'.padStart(10)}${'÷'.padStart(8)}   store per round\n`);
  for (const line of lines) process.stdout.write(`${line}\n`);
  process.stdout.write('floor: the same readings as plain rows in one table (no dedupe, seq ranges, rollups or latest values)\n');
}
