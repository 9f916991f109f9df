import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { AlertRecord, LatestValue, NodeSummary, Store } from '../store/store.js';
import { type AlertRule, parseRules } from './rules.js';

export type AlertChange = { type: 'raised' | 'cleared' | 'acknowledged'; alert: AlertRecord };

interface Condition {
  /** When the condition started to hold (device clock for readings, ops-center clock otherwise). */
  since?: number;
  raised?: AlertRecord;
  value?: number;
}

const MINUTE = 60_000;

type SampleRule = Extract<AlertRule, { kind: 'threshold' | 'lamp-hours' }>;

/** A threshold or lamp-hours rule with what each sample's check needs worked out once, when the rules are set. */
interface SampleCheck {
  rule: SampleRule;
  above: number | undefined;
  below: number | undefined;
  /** The value at or past which a raised alert clears (the limit moved back by the hysteresis). */
  clearAt: number;
  forMs: number;
  /** e.g. `> 1500 for 10 min`, the end of the alert's message. */
  suffix: string;
}

function sampleCheck(rule: SampleRule): SampleCheck {
  const threshold = rule.kind === 'threshold';
  const above = rule.above;
  const below = threshold ? rule.below : undefined;
  const hysteresis = threshold ? rule.hysteresis : 0;
  const forMinutes = threshold ? rule.forMinutes : 0;
  return {
    rule,
    above,
    below,
    clearAt: above !== undefined ? above - hysteresis : below! + hysteresis,
    forMs: forMinutes * MINUTE,
    suffix: `${above !== undefined ? `> ${above}` : `< ${below}`}${forMinutes ? ` for ${forMinutes} min` : ''}`,
  };
}

/**
 * Raises and clears alerts from rules given as data (zigbee2mqtt-style extension: start()/stop()).
 * Thresholds watch every stored sample; offline and backlog rules are checked on each tick. One condition per
 * `(rule, site/node/device[/reading])`; state survives restarts through the active alerts in the store.
 */
export class AlertEngine extends EventEmitter<{ change: [AlertChange] }> {
  private rules: AlertRule[] = [];
  /** The threshold and lamp-hours rules in rule order, with what each sample's check needs worked out once. */
  private checks: SampleCheck[] = [];
  /** The metrics those rules watch: a batch without any of them checks no rule. */
  private watched = new Set<string>();
  private readonly conditions = new Map<string, Condition>();
  /** When each node (site → node) last had telemetry stored (ops-center clock; device clock for what the store had at start). */
  private readonly lastTelemetry = new Map<string, Map<string, number>>();
  /** Store writes are serialised so a raise is stored before its clear. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: { store: Store; log: Logger }) {
    super();
  }

  async start(): Promise<void> {
    this.use(parseRules(await this.options.store.rules()));
    for (const value of await this.options.store.latest()) this.heard(value.site, value.node, value.ts);
    for (const alert of await this.options.store.alerts({ active: true, limit: 100_000 })) {
      this.conditions.set(`${alert.rule}|${alert.target}`, { since: alert.raisedAt, raised: alert, value: alert.value });
    }
  }

  get activeRules(): readonly AlertRule[] {
    return this.rules;
  }

  /** Replaces the rules; conditions of removed rules are cleared. */
  async setRules(rules: AlertRule[], now: number): Promise<void> {
    const ids = new Set(rules.map((rule) => rule.id));
    this.use(rules);
    await this.options.store.saveRules(rules);
    for (const [key, condition] of this.conditions) {
      if (ids.has(key.split('|')[0]!)) continue;
      this.conditions.delete(key);
      if (condition.raised) this.enqueue(() => this.clear(condition, now));
    }
    await this.settled();
  }

  private use(rules: AlertRule[]): void {
    this.rules = rules;
    this.checks = rules.filter((rule) => rule.kind === 'threshold' || rule.kind === 'lamp-hours').map(sampleCheck);
    this.watched = new Set(this.checks.map((check) => check.rule.metric));
  }

  private heard(site: string, node: string, at: number): void {
    let nodes = this.lastTelemetry.get(site);
    if (!nodes) {
      nodes = new Map();
      this.lastTelemetry.set(site, nodes);
    }
    if (at > (nodes.get(node) ?? 0)) nodes.set(node, at);
  }

  /**
   * Every newly stored sample, in order; `receivedAt` is when the batch was stored. Called for every batch the
   * ingest stores, so the usual sample (no rule on its metric, same node as the one before) costs two compares.
   */
  observe(samples: readonly LatestValue[], receivedAt = Date.now()): void {
    let site: string | undefined;
    let node: string | undefined;
    let checked = false;
    for (const sample of samples) {
      if (sample.node !== node || sample.site !== site) {
        site = sample.site;
        node = sample.node;
        this.heard(site, node, receivedAt);
      }
      if (!checked && this.watched.has(sample.name)) checked = true;
    }
    if (!checked) return;
    // Rule by rule as before, so alerts of several rules raised by one batch are stored in rule order.
    for (const check of this.checks) {
      const { rule } = check;
      for (const sample of samples) {
        if (sample.name !== rule.metric || (rule.site && rule.site !== sample.site)) continue;
        this.checkSample(check, sample);
      }
    }
  }

  private checkSample(check: SampleCheck, sample: LatestValue): void {
    const { rule, above } = check;
    const value = sample.value;
    const breach = above !== undefined ? value > above : value < check.below!;
    const back = above !== undefined ? value <= check.clearAt : value >= check.clearAt;
    const key = `${rule.id}|${sample.site}/${sample.node}/${sample.device}/${sample.name}`;
    const condition = this.advance(key, sample.ts, breach, back, check.forMs, value);
    if (condition) {
      this.raise(rule, key, condition, sample.ts, {
        site: sample.site,
        node: sample.node,
        device: sample.device,
        message: `${sample.name} ${value} ${check.suffix}`,
      });
    }
  }

  /** Offline and backlog rules, and thresholds whose duration has now passed. */
  async tick(now: number, nodes: readonly NodeSummary[]): Promise<void> {
    for (const rule of this.rules) {
      if (rule.kind === 'offline') {
        for (const node of nodes) {
          if (rule.site && rule.site !== node.site) continue;
          if (rule.target === 'node') {
            const down = !node.online ? (node.since ?? node.lastSeen) : undefined;
            const target = `${node.site}/${node.node}`;
            const offlineFor = down === undefined ? 0 : now - down;
            this.step(rule, target, now, down !== undefined, down === undefined, 0, undefined, {
              site: node.site,
              node: node.node,
              message: `node ${target} offline for ${Math.round(offlineFor / MINUTE)} min`,
              due: down !== undefined && offlineFor >= rule.minutes * MINUTE,
            });
          } else {
            for (const device of node.devices) {
              const down = device.online === false ? (device.since ?? now) : undefined;
              const target = `${node.site}/${node.node}/${device.device}`;
              this.step(rule, target, now, down !== undefined, down === undefined, 0, undefined, {
                site: node.site,
                node: node.node,
                device: device.device,
                message: `device ${target} offline${device.reason ? `: ${device.reason}` : ''}`,
                due: down !== undefined && now - down >= rule.minutes * MINUTE,
              });
            }
          }
        }
      } else if (rule.kind === 'outbox-backlog') {
        for (const node of nodes) {
          if ((rule.site && rule.site !== node.site) || node.outboxDepth === undefined) continue;
          const target = `${node.site}/${node.node}`;
          this.step(
            rule,
            target,
            now,
            node.outboxDepth > rule.above,
            node.outboxDepth <= rule.above,
            rule.forMinutes * MINUTE,
            node.outboxDepth,
            {
              site: node.site,
              node: node.node,
              message: `outbox of ${target} holds ${node.outboxDepth} records (> ${rule.above})`,
            },
          );
        }
      } else if (rule.kind === 'silent') {
        for (const node of nodes) {
          if ((rule.site && rule.site !== node.site) || (node.kind ?? 'gateway') !== rule.nodeKind) continue;
          const target = `${node.site}/${node.node}`;
          const quietSince = Math.max(this.lastTelemetry.get(node.site)?.get(node.node) ?? 0, node.since ?? 0);
          const quietFor = now - quietSince;
          const silent = node.online && quietFor >= rule.minutes * MINUTE;
          this.step(rule, target, now, silent, !silent, 0, undefined, {
            site: node.site,
            node: node.node,
            message: `node ${target} online but no telemetry for ${Math.round(quietFor / MINUTE)} min`,
          });
        }
      } else if (rule.kind === 'threshold' && rule.forMinutes > 0) {
        for (const [key, condition] of this.conditions) {
          if (!key.startsWith(`${rule.id}|`) || condition.raised || condition.since === undefined) continue;
          if (now - condition.since >= rule.forMinutes * MINUTE) {
            const [site, node, device, name] = key.slice(rule.id.length + 1).split('/') as [string, string, string, string];
            const limit = rule.above !== undefined ? `> ${rule.above}` : `< ${rule.below}`;
            this.raise(rule, key, condition, now, {
              site,
              node,
              device,
              message: `${name} ${condition.value} ${limit} for ${rule.forMinutes} min`,
            });
          }
        }
      }
    }
    await this.settled();
  }

  async acknowledge(id: number, by: string, now: number): Promise<AlertRecord | undefined> {
    const alert = await this.options.store.ackAlert(id, by, now);
    if (alert) this.emit('change', { type: 'acknowledged', alert });
    return alert;
  }

  /** Resolves when every raise and clear so far is stored. */
  async settled(): Promise<void> {
    await this.queue;
  }

  private step(
    rule: AlertRule,
    target: string,
    at: number,
    breach: boolean,
    back: boolean,
    forMs: number,
    value: number | undefined,
    alert: { site: string; node: string; device?: string; message: string; due?: boolean },
  ): void {
    const key = `${rule.id}|${target}`;
    const condition = this.advance(key, at, breach, back, forMs, value, alert.due);
    if (condition) this.raise(rule, key, condition, at, alert);
  }

  /**
   * Moves the condition under `key` on: clears a raised one that is back, forgets one no longer breached, and
   * returns the condition when it is now due to be raised. A sample within limits and without a condition costs
   * no allocation.
   */
  private advance(
    key: string,
    at: number,
    breach: boolean,
    back: boolean,
    forMs: number,
    value: number | undefined,
    due?: boolean,
  ): Condition | undefined {
    let condition = this.conditions.get(key);
    if (!condition) {
      if (!breach) return undefined;
      condition = {};
      this.conditions.set(key, condition);
    }
    if (value !== undefined) condition.value = value;
    if (condition.raised) {
      if (back) {
        this.conditions.delete(key);
        const cleared = condition;
        this.enqueue(() => this.clear(cleared, at));
      }
      return undefined;
    }
    if (!breach) {
      this.conditions.delete(key);
      return undefined;
    }
    condition.since ??= at;
    return (due ?? at - condition.since >= forMs) ? condition : undefined;
  }

  private raise(
    rule: AlertRule,
    key: string,
    condition: Condition,
    at: number,
    alert: { site: string; node: string; device?: string; message: string },
  ): void {
    const record: Omit<AlertRecord, 'id'> = {
      rule: rule.id,
      target: key.slice(rule.id.length + 1),
      severity: rule.severity,
      site: alert.site,
      node: alert.node,
      ...(alert.device ? { device: alert.device } : {}),
      message: alert.message,
      ...(condition.value !== undefined ? { value: condition.value } : {}),
      raisedAt: at,
    };
    // Marked at once so a second sample does not raise twice while the insert is pending.
    condition.raised = { ...record, id: -1 };
    this.enqueue(async () => {
      condition.raised = await this.options.store.insertAlert(record);
      this.emit('change', { type: 'raised', alert: condition.raised });
    });
  }

  /** Queued after the raise, so the alert has its stored id by now. */
  private async clear(condition: Condition, at: number): Promise<void> {
    const alert = condition.raised;
    if (!alert || alert.id < 0) return;
    await this.options.store.clearAlert(alert.id, at);
    this.emit('change', { type: 'cleared', alert: { ...alert, clearedAt: at } });
  }

  private enqueue(task: () => Promise<void>): void {
    this.queue = this.queue.then(task).catch((error: Error) => this.options.log.error({ err: error.message }, 'alert store failed'));
  }
}
