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

/**
 * Raises and clears alerts from rules given as data (zigbee2mqtt-style extension: start()/stop()).
 * Thresholds watch every stored sample; offline and backlog rules are checked on each tick. One condition per
 * `(rule, site/node/device[/reading])`; state survives restarts through the active alerts in the store.
 */
export class AlertEngine extends EventEmitter<{ change: [AlertChange] }> {
  private rules: AlertRule[] = [];
  private readonly conditions = new Map<string, Condition>();
  /** When each `site/node` last had telemetry stored (ops-center clock; device clock for what the store had at start). */
  private readonly lastTelemetry = new Map<string, number>();
  /** Store writes are serialised so a raise is stored before its clear. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: { store: Store; log: Logger }) {
    super();
  }

  async start(): Promise<void> {
    this.rules = parseRules(await this.options.store.rules());
    for (const value of await this.options.store.latest()) this.heard(`${value.site}/${value.node}`, value.ts);
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
    this.rules = rules;
    await this.options.store.saveRules(rules);
    for (const [key, condition] of this.conditions) {
      if (ids.has(key.split('|')[0]!)) continue;
      this.conditions.delete(key);
      if (condition.raised) this.enqueue(() => this.clear(condition, now));
    }
    await this.settled();
  }

  private heard(node: string, at: number): void {
    if (at > (this.lastTelemetry.get(node) ?? 0)) this.lastTelemetry.set(node, at);
  }

  /** Every newly stored sample, in order; `receivedAt` is when the batch was stored. */
  observe(samples: readonly LatestValue[], receivedAt = Date.now()): void {
    for (const sample of samples) this.heard(`${sample.site}/${sample.node}`, receivedAt);
    for (const rule of this.rules) {
      if (rule.kind !== 'threshold' && rule.kind !== 'lamp-hours') continue;
      for (const sample of samples) {
        if (sample.name !== rule.metric || (rule.site && rule.site !== sample.site)) continue;
        const above = rule.above;
        const below = rule.kind === 'threshold' ? rule.below : undefined;
        const hysteresis = rule.kind === 'threshold' ? rule.hysteresis : 0;
        const forMs = (rule.kind === 'threshold' ? rule.forMinutes : 0) * MINUTE;
        const breach = above !== undefined ? sample.value > above : sample.value < below!;
        const back = above !== undefined ? sample.value <= above - hysteresis : sample.value >= below! + hysteresis;
        const target = `${sample.site}/${sample.node}/${sample.device}/${sample.name}`;
        const limit = above !== undefined ? `> ${above}` : `< ${below}`;
        this.step(rule, target, sample.ts, breach, back, forMs, sample.value, {
          site: sample.site,
          node: sample.node,
          device: sample.device,
          message: `${sample.name} ${sample.value} ${limit}${forMs ? ` for ${rule.kind === 'threshold' ? rule.forMinutes : 0} min` : ''}`,
        });
      }
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
          const quietSince = Math.max(this.lastTelemetry.get(target) ?? 0, node.since ?? 0);
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
    const condition = this.conditions.get(key) ?? {};
    this.conditions.set(key, condition);
    if (value !== undefined) condition.value = value;
    if (condition.raised) {
      if (back) {
        this.conditions.delete(key);
        this.enqueue(() => this.clear(condition, at));
      }
      return;
    }
    if (!breach) {
      this.conditions.delete(key);
      return;
    }
    condition.since ??= at;
    const due = alert.due ?? at - condition.since >= forMs;
    if (due) this.raise(rule, key, condition, at, alert);
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
