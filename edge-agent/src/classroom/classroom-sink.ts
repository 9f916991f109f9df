import { buildTopic } from '@lophoc/protocol/lite';
import type { Logger } from '@lophoc/scripts/logger';
import type { DeviceSink } from '../drivers/driver.js';
import { BatchingWriter, type Pending } from '../uplink/batching-writer.js';
import { type Outbox, Priority } from '../uplink/outbox.js';
import type { CardPseudonymiser } from './card-privacy.js';
import type { ClassroomRules, RuleAction } from './rules.js';

export interface ClassroomSinkOptions {
  site: string;
  node: string;
  outbox: Outbox;
  /** How long device output is gathered before it is stored in one transaction (attendance: at once). */
  writeDelayMs?: number;
  /** Asks the uplink to send what was just appended. */
  drain(): void;
  availability(device: string, online: boolean, reason?: string): void;
  /** Devices whose `card` events carry a card id that must be pseudonymised. */
  cardReaders: ReadonlySet<string>;
  pseudonymiser: CardPseudonymiser | undefined;
  rules: ClassroomRules | undefined;
  execute(device: string, method: string, params: Record<string, unknown>): Promise<unknown>;
  log: Logger;
}

export interface ClassroomSink {
  sink: DeviceSink;
  /** Runs the rules' clock (session ends, projector off); call every few seconds. */
  tick(now: number): void;
  /** Writes what is still pending to the outbox (before it closes). */
  flush(): void;
  readonly stats: { cardTaps: number; badCardIds: number; ruleCommands: number; ruleCommandFailures: number };
}

/**
 * Where the drivers' output goes on a classroom gateway: telemetry and events into the outbox, card ids replaced by
 * their pseudonym before anything is stored or logged (DESIGN §6), and everything fed to the classroom rules, whose
 * actions are carried out here (projector commands) or stored (sessions, attendance, comfort warnings).
 */
export function createClassroomSink(options: ClassroomSinkOptions): ClassroomSink {
  const { site, node, outbox, rules, log } = options;
  const stats = { cardTaps: 0, badCardIds: 0, ruleCommands: 0, ruleCommandFailures: 0 };
  const writer = new BatchingWriter(outbox, options.drain);
  const delayMs = options.writeDelayMs ?? 0;
  // Each outbox transaction costs an fsync and the uplink a round of reading back; ten serial ports each sending
  // a chunk every few ms would otherwise make hundreds a second. Gathered for delayMs, they make at most 1000/delayMs.
  let held: Pending[] = [];
  let timer: NodeJS.Timeout | undefined;
  const store = () => {
    clearTimeout(timer);
    timer = undefined;
    const records = held;
    held = [];
    writer.flush(records);
  };
  const write = (topic: string, priority: number, build: (seq: number) => unknown) => {
    if (delayMs === 0) return writer.write(topic, priority, build);
    held.push({ topic, priority, build });
    if (priority >= Priority.attendance) store();
    else timer ??= setTimeout(store, delayMs);
  };
  // Built (and its ids checked) once per device, not once per reading.
  const topics = { event: new Map<string, string>(), telemetry: new Map<string, string>() };
  const topicOf = (kind: 'event' | 'telemetry', device: string) => {
    let topic = topics[kind].get(device);
    if (topic === undefined) {
      topic = buildTopic({ kind, site, node, device });
      topics[kind].set(device, topic);
    }
    return topic;
  };
  const appendEvent = (device: string, type: string, data: Record<string, unknown>, ts: number, priority: number) => {
    write(topicOf('event', device), priority, (seq) => ({ v: 1, ts, seq, type, data }));
  };
  const carryOut = (actions: RuleAction[], ts: number) => {
    for (const action of actions) {
      if (action.kind === 'event') {
        appendEvent(action.device, action.type, action.data, ts, action.attendance ? Priority.attendance : Priority.event);
        continue;
      }
      stats.ruleCommands++;
      options.execute(action.device, action.method, action.params).then(
        () => log.info({ device: action.device, method: action.method }, 'classroom rule carried out'),
        (error: Error) => {
          stats.ruleCommandFailures++;
          log.warn({ device: action.device, method: action.method, err: error.message }, 'classroom rule command failed');
          appendEvent(
            action.device,
            'rule.failed',
            { method: action.method, error: error.message.slice(0, 200) },
            Date.now(),
            Priority.event,
          );
        },
      );
    }
  };

  const sink: DeviceSink = {
    telemetry(device, values, ts) {
      write(topicOf('telemetry', device), Priority.telemetry, (seq) => ({ v: 1, ts, seq, values }));
      if (rules) for (const [name, value] of Object.entries(values)) carryOut(rules.reading(device, name, value, ts), ts);
    },
    availability(device, online, reason) {
      options.availability(device, online, reason);
    },
    event(device, type, data, ts) {
      if (!(options.cardReaders.has(device) && type === 'card')) {
        appendEvent(device, type, data, ts, Priority.event);
        return;
      }
      let card: string;
      try {
        card = options.pseudonymiser!.pseudonym(String(data.value ?? ''));
      } catch {
        // The id is never logged, even when malformed: it may still be personal data.
        stats.badCardIds++;
        log.warn({ device }, 'card reader sent an id that is not a card number; ignored');
        return;
      }
      stats.cardTaps++;
      appendEvent(device, 'card', { card }, ts, Priority.attendance);
      if (rules) carryOut(rules.cardTap(device, card, ts), ts);
    },
  };
  return { sink, stats, tick: (now) => rules && carryOut(rules.tick(now), now), flush: store };
}
