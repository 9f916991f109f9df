import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Outbox, Priority, Uplink } from '@lophoc/edge-agent';
import { type RunningOpsCenter, startOpsCenter } from '@lophoc/ops-center';
import Database from 'better-sqlite3';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freePort, spawnTs, waitForPort } from '../support/processes.js';

const log = pino({ level: 'silent' });

/** DESIGN §5, "nothing is lost": the gateway's records survive a broker crash and the gateway's own kill -9. */
describe('gateway durability', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lophoc-durability-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('the outbox keeps every committed record when its writer is killed with SIGKILL, again and again', async () => {
    const file = join(dir, 'outbox.db');
    const committed: number[] = [];
    for (let round = 0; round < 4; round++) {
      const writer = spawnTs('test/support/outbox-writer.ts', [file], {});
      await writer.waitForOutput(/ready\n\d+\n/);
      await new Promise((resolve) => setTimeout(resolve, 150 + Math.random() * 400));
      writer.child.kill('SIGKILL');
      await writer.exit;
      const seqs = writer
        .stdout()
        .split('\n')
        .filter((line) => /^\d+$/.test(line))
        .map(Number);
      expect(seqs.length).toBeGreaterThan(10);
      committed.push(...seqs);
    }
    const db = new Database(file, { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    const stored = new Set(
      db
        .prepare<[], { seq: number }>('SELECT seq FROM records')
        .all()
        .map((row) => row.seq),
    );
    db.close();
    expect(committed.filter((seq) => !stored.has(seq))).toEqual([]); // nothing printed as committed is missing
    expect(new Set(committed).size).toBe(committed.length); // no seq was ever handed out twice
    const outbox = new Outbox(file);
    expect(outbox.append('t', Priority.telemetry, (seq) => ({ seq }))).toBe(Math.max(...stored) + 1);
    outbox.close();
  }, 60_000);

  describe('with Mosquitto as the broker, killed mid-stream', () => {
    let port: number;
    let broker: ChildProcess | undefined;
    let ops: RunningOpsCenter | undefined;

    const startMosquitto = async () => {
      const config = join(dir, 'mosquitto.conf');
      // max_queued_messages: Mosquitto's default of 1000 silently drops QoS 1 messages under load.
      await writeFile(config, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nmax_queued_messages 100000\n`);
      broker = spawn('/usr/sbin/mosquitto', ['-c', config], { stdio: 'ignore' });
      await waitForPort(port);
    };
    beforeEach(async () => {
      port = await freePort();
      await startMosquitto();
    });
    afterEach(async () => {
      await ops?.stop();
      broker?.kill('SIGKILL');
    });

    it.each([1, 50])(
      'loses no record and stores none twice (%i telemetry record(s) per message at most)',
      async (recordsPerMessage) => {
        const url = `mqtt://127.0.0.1:${port}`;
        ops = await startOpsCenter({ dataDir: join(dir, 'ops'), mqttUrl: url, port: 0, log, consoleDir: dir });
        const outbox = new Outbox(join(dir, 'outbox.db'));
        const uplink = new Uplink({
          url,
          site: 'ttht-cho-lon',
          node: 'gw-p101',
          version: 'test',
          outbox,
          log,
          birth: () => ({ v: 1, ts: Date.now(), kind: 'gateway', version: 'test', devices: [] }),
          ackTimeoutMs: 2000,
          reconnect: { initialMs: 200, maxMs: 1000 },
          maxPublishRate: 2000,
          recordsPerMessage,
        });
        uplink.start();
        const total = 1500;
        const topic = 'lophoc/v1/ttht-cho-lon/gw-p101/th-1/telemetry';
        let produced = 0;
        const produce = async (until: number) => {
          for (; produced < until; produced++) {
            const value = produced;
            outbox.append(topic, Priority.telemetry, (seq) => ({ v: 1, ts: Date.now(), seq, values: { temperature: value } }));
            uplink.drain();
            if (produced % 25 === 0) await new Promise((resolve) => setTimeout(resolve, 5));
          }
        };
        await produce(600);
        broker!.kill('SIGKILL'); // mid-stream: some records are in flight, some only in the outbox
        await produce(1000); // the gateway keeps producing while the broker is down
        await new Promise((resolve) => setTimeout(resolve, 500));
        await startMosquitto();
        await produce(total);

        await expect.poll(() => outbox.depth(), { timeout: 30_000, interval: 200 }).toBe(0);
        const db = new Database(join(dir, 'ops', 'ops-center.db'), { readonly: true });
        const counts = db
          .prepare<[], { records: number; distinctSeqs: number; samples: number }>(
            "SELECT (SELECT count(*) FROM records WHERE node = 'gw-p101') AS records, (SELECT count(DISTINCT seq) FROM records WHERE node = 'gw-p101') AS distinctSeqs, (SELECT count(*) FROM samples WHERE node = 'gw-p101') AS samples",
          )
          .get();
        db.close();
        expect(counts).toEqual({ records: total, distinctSeqs: total, samples: total });
        expect(ops.ingest.stats.stored).toBe(total);
        // Packing did happen: the backlog built while the broker was down went out in arrays.
        if (recordsPerMessage > 1) expect(ops.ingest.stats.received).toBeLessThan(total / 2);
        expect(uplink.stats.connects).toBeGreaterThanOrEqual(2);
        await uplink.stop();
        outbox.close();
      },
      60_000,
    );
  });
});
