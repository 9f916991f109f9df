import { ID_PATTERN } from '@lophoc/protocol';
import { z } from 'zod';

const ruleId = z.string().regex(ID_PATTERN, 'must match [a-z0-9][a-z0-9-]{0,62}');
const severity = z.enum(['info', 'warning', 'critical']).default('warning');
const metric = z.string().regex(/^[a-z][a-z0-9_]{0,62}$/, 'must be a reading name (snake_case)');
/** Rules may be narrowed to one site (a school or center); absent means the whole fleet. */
const site = z.string().regex(ID_PATTERN).optional();

/** A reading beyond a limit for `forMinutes`; it clears only once back past the limit by `hysteresis`. */
const thresholdRule = z
  .strictObject({
    id: ruleId,
    kind: z.literal('threshold'),
    metric,
    above: z.number().finite().optional(),
    below: z.number().finite().optional(),
    forMinutes: z
      .number()
      .nonnegative()
      .max(7 * 24 * 60)
      .default(0),
    hysteresis: z.number().nonnegative().default(0),
    severity,
    site,
  })
  .refine((rule) => (rule.above === undefined) !== (rule.below === undefined), 'needs exactly one of "above" or "below"');

const offlineRule = z.strictObject({
  id: ruleId,
  kind: z.literal('offline'),
  target: z.enum(['node', 'device']),
  minutes: z
    .number()
    .nonnegative()
    .max(7 * 24 * 60),
  severity,
  site,
});

/** Projector lamp hours (PJLink LAMP, ESC/VP21 LAMP?, BenQ ltim): a threshold on the lamp-hours reading. */
const lampHoursRule = z.strictObject({
  id: ruleId,
  kind: z.literal('lamp-hours'),
  metric: metric.default('lamp_hours'),
  above: z.number().nonnegative(),
  severity,
  site,
});

/** A node's outbox (DESIGN §5) holding more than `above` records, from its health messages. */
const outboxBacklogRule = z.strictObject({
  id: ruleId,
  kind: z.literal('outbox-backlog'),
  above: z.number().int().nonnegative(),
  forMinutes: z
    .number()
    .nonnegative()
    .max(7 * 24 * 60)
    .default(0),
  severity,
  site,
});

/**
 * A node that is connected (its retained state says online) but has sent no telemetry for `minutes`: a stuck
 * driver or a dead bus behind a live gateway. Silence counts from the last telemetry or from the moment the node
 * came online, whichever is later; an offline node is the `offline` rule's business.
 */
const silentRule = z.strictObject({
  id: ruleId,
  kind: z.literal('silent'),
  minutes: z
    .number()
    .positive()
    .max(7 * 24 * 60),
  /** Kiosks send no telemetry at all, so only gateways are watched unless told otherwise. */
  nodeKind: z.enum(['gateway', 'kiosk']).default('gateway'),
  severity,
  site,
});

export const ruleSchema = z.discriminatedUnion('kind', [thresholdRule, offlineRule, lampHoursRule, outboxBacklogRule, silentRule]);
export type AlertRule = z.infer<typeof ruleSchema>;
export type AlertRuleInput = z.input<typeof ruleSchema>;

export class RuleError extends Error {
  override readonly name = 'RuleError';
}

/**
 * Validates rules given as data. Every refusal names the rule (index and id) and the field; a metric no node
 * reports is refused when `knownMetrics` is given, so a typo ("co3") does not become a rule that never fires.
 */
export function parseRules(input: unknown, knownMetrics?: ReadonlySet<string>): AlertRule[] {
  if (!Array.isArray(input)) throw new RuleError('alert rules must be a JSON array');
  const rules: AlertRule[] = [];
  const ids = new Set<string>();
  input.forEach((raw, index) => {
    const where = `rule ${index + 1}${typeof raw === 'object' && raw && 'id' in raw ? ` (${JSON.stringify((raw as { id: unknown }).id)})` : ''}`;
    const result = ruleSchema.safeParse(raw);
    if (!result.success) {
      const issue = result.error.issues[0]!;
      throw new RuleError(`${where}: ${issue.path.length ? `${issue.path.join('.')}: ` : ''}${issue.message}`);
    }
    const rule = result.data;
    if (ids.has(rule.id)) throw new RuleError(`${where}: id ${JSON.stringify(rule.id)} is used twice`);
    ids.add(rule.id);
    if (knownMetrics && 'metric' in rule && !knownMetrics.has(rule.metric)) {
      const known = [...knownMetrics].sort().join(', ') || 'none yet';
      throw new RuleError(`${where}: unknown metric ${JSON.stringify(rule.metric)}; metrics reported by the fleet: ${known}`);
    }
    rules.push(rule);
  });
  return rules;
}
