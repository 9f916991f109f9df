import type { Role, Roster } from './roster.js';
import type { RulesConfig } from './rules-schema.js';
import { type Period, Timetable } from './timetable.js';

export type { RulesConfig } from './rules-schema.js';

export type RuleAction =
  | { kind: 'command'; device: string; method: string; params: Record<string, unknown> }
  | { kind: 'event'; device: string; type: string; data: Record<string, unknown>; attendance: boolean };

interface Session {
  id: string;
  teacher: string;
  period?: Period;
  openedAt: number;
  endsAt: number;
  seen: Set<string>;
}

/**
 * The classroom's local behaviour, as a pure state machine: inputs are card taps (pseudonyms only), readings
 * and clock ticks; outputs are actions for the agent to carry out (device commands, events for the outbox).
 * Nothing here touches a device or the network, so every rule is tested with plain calls.
 */
export class ClassroomRules {
  private readonly timetable: Timetable;
  private session: Session | undefined;
  private projectorOffAt: number | undefined;
  private readonly warnings = new Set<string>();

  constructor(
    private readonly config: RulesConfig,
    private readonly roster: Roster,
  ) {
    this.timetable = new Timetable(config.timetable);
  }

  get openSession(): { id: string; teacher: string; period?: string } | undefined {
    const session = this.session;
    return session && { id: session.id, teacher: session.teacher, ...(session.period ? { period: session.period.name } : {}) };
  }

  /** A card was presented at `reader`; `card` is already a pseudonym. */
  cardTap(reader: string, card: string, ts: number): RuleAction[] {
    const actions = this.tick(ts);
    const role: Role | 'unknown' = this.roster.get(card) ?? 'unknown';
    if ((role === 'teacher' || role === 'staff') && !this.session) return [...actions, ...this.openSessionFor(reader, card, ts)];
    const session = this.session;
    if (session?.seen.has(card)) return actions; // repeated tap: attendance is once per session
    session?.seen.add(card);
    const late = session?.period ? this.timetable.local(ts).minutes > session.period.start + this.config.lateAfterMinutes : false;
    actions.push({
      kind: 'event',
      device: reader,
      type: 'attendance',
      data: { card, role, session: session?.id ?? null, late },
      attendance: true,
    });
    return actions;
  }

  /** A reading arrived; returns comfort warnings raised or cleared (with hysteresis). */
  reading(device: string, name: string, value: number, ts: number): RuleAction[] {
    const actions: RuleAction[] = [];
    for (const limit of this.config.comfort) {
      if (limit.device !== device || limit.reading !== name) continue;
      const key = `${device}/${name}`;
      if (!this.warnings.has(key) && value >= limit.high) {
        this.warnings.add(key);
        actions.push({
          kind: 'event',
          device,
          type: 'comfort.warning',
          data: { reading: name, value, high: limit.high, ts },
          attendance: false,
        });
      } else if (this.warnings.has(key) && value <= limit.high - limit.hysteresis) {
        this.warnings.delete(key);
        actions.push({
          kind: 'event',
          device,
          type: 'comfort.cleared',
          data: { reading: name, value, high: limit.high, ts },
          attendance: false,
        });
      }
    }
    return actions;
  }

  /** Called every few seconds: closes sessions that ended and turns the projector off when its time is up. */
  tick(ts: number): RuleAction[] {
    const actions: RuleAction[] = [];
    const session = this.session;
    if (session && ts >= session.endsAt) {
      this.session = undefined;
      actions.push({
        kind: 'event',
        device: 'classroom',
        type: 'session.closed',
        data: { session: session.id, attendees: session.seen.size },
        attendance: true,
      });
    }
    if (this.projectorOffAt !== undefined && ts >= this.projectorOffAt && !this.session) {
      this.projectorOffAt = undefined;
      if (this.config.projector) actions.push({ kind: 'command', device: this.config.projector, method: 'power_off', params: {} });
    }
    return actions;
  }

  private openSessionFor(reader: string, teacher: string, ts: number): RuleAction[] {
    const period = this.timetable.periodAt(ts, this.config.earlyMinutes);
    const { date, minutes } = this.timetable.local(ts);
    const endsAt = period ? ts + (period.end - minutes) * 60_000 : ts + this.config.adHocMinutes * 60_000;
    const id = period ? `${date}-p${period.index + 1}` : `${date}-adhoc-${String(minutes).padStart(4, '0')}`;
    this.session = { id, teacher, openedAt: ts, endsAt, seen: new Set([teacher]), ...(period ? { period } : {}) };
    // Off N minutes after the last period that had a class: a teacher opening the next period in time cancels it.
    this.projectorOffAt = endsAt + this.config.projectorOffAfterMinutes * 60_000;
    const actions: RuleAction[] = [];
    if (this.config.projector) actions.push({ kind: 'command', device: this.config.projector, method: 'power_on', params: {} });
    actions.push({
      kind: 'event',
      device: reader,
      type: 'session.opened',
      data: { session: id, teacher, period: period?.name ?? null, endsAt },
      attendance: true,
    });
    return actions;
  }
}
