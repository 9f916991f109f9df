// A process that appends records to an outbox as fast as it can and prints each seq once its transaction
// committed; the durability test kills it with SIGKILL at a random instant.
import { Outbox, Priority } from '@lophoc/edge-agent';

const file = process.argv[2];
if (!file) throw new Error('usage: outbox-writer FILE');
const outbox = new Outbox(file);
process.stdout.write('ready\n');
for (let i = 0; ; i++) {
  const priority = i % 10 === 0 ? Priority.attendance : Priority.telemetry;
  const seq = outbox.append('lophoc/v1/s/n/d/telemetry', priority, (seq) => ({ v: 1, ts: Date.now(), seq, values: { i } }));
  process.stdout.write(`${seq}\n`);
  if (i % 50 === 0) await new Promise((resolve) => setImmediate(resolve)); // let stdout drain
}
