import { ProtocolError } from './errors.js';
import { assertId } from './ids.js';

/** DESIGN §3: every topic starts with this prefix; the version segment changes only with the contract. */
export const TOPIC_ROOT = 'lophoc/v1';

export const NODE_TOPIC_KINDS = ['state', 'birth', 'health', 'cmd', 'cmd-result', 'ack'] as const;
export const DEVICE_TOPIC_KINDS = ['telemetry', 'event', 'availability'] as const;
export const OUTBOX_KINDS = ['enrolment', 'feedback', 'rating'] as const;

export type NodeTopicKind = (typeof NODE_TOPIC_KINDS)[number];
export type DeviceTopicKind = (typeof DEVICE_TOPIC_KINDS)[number];
export type OutboxKind = (typeof OUTBOX_KINDS)[number];

export interface NodeAddress {
  site: string;
  node: string;
}

/** One member per kind, so `Extract<Topic, { kind: K }>` and narrowing on `kind` work. */
export type Topic =
  | { [K in NodeTopicKind]: { kind: K } & NodeAddress }[NodeTopicKind]
  | { [K in DeviceTopicKind]: { kind: K; device: string } & NodeAddress }[DeviceTopicKind]
  | ({ kind: 'outbox'; outbox: OutboxKind } & NodeAddress);

export type TopicKind = Topic['kind'];

/** Builds the topic string, validating every id in it. */
export function buildTopic(topic: Topic): string {
  const base = `${TOPIC_ROOT}/${assertId('site', topic.site)}/${assertId('node', topic.node)}`;
  switch (topic.kind) {
    case 'cmd-result':
      return `${base}/cmd/result`;
    case 'telemetry':
    case 'event':
    case 'availability':
      return `${base}/${assertId('device', topic.device)}/${topic.kind}`;
    case 'outbox':
      if (!(OUTBOX_KINDS as readonly string[]).includes(topic.outbox)) {
        throw new ProtocolError('unknown-topic', `unknown outbox kind ${JSON.stringify(topic.outbox)}`);
      }
      return `${base}/outbox/${topic.outbox}`;
    default:
      return `${base}/${topic.kind}`;
  }
}

/** Parses a topic string of the contract; anything else is refused with the reason. */
export function parseTopic(topic: string): Topic {
  const parts = topic.split('/');
  if (parts[0] !== 'lophoc' || parts[1] !== 'v1') {
    throw new ProtocolError('unknown-topic', `topic ${JSON.stringify(topic)} is not under ${TOPIC_ROOT}/`);
  }
  if (parts.length < 5 || parts.length > 6) {
    throw new ProtocolError('unknown-topic', `topic ${JSON.stringify(topic)} has ${parts.length} levels; expected 5 or 6`);
  }
  const [, , siteRaw, nodeRaw, fourth = '', fifth] = parts;
  const at = (kind: 'site' | 'node' | 'device', value: string | undefined): string => {
    try {
      return assertId(kind, value);
    } catch (error) {
      throw new ProtocolError('bad-id', `topic ${JSON.stringify(topic)}: ${(error as Error).message}`);
    }
  };
  const site = at('site', siteRaw);
  const node = at('node', nodeRaw);
  if (fifth === undefined) {
    if ((NODE_TOPIC_KINDS as readonly string[]).includes(fourth) && fourth !== 'cmd-result') {
      return { kind: fourth as NodeTopicKind, site, node };
    }
    throw new ProtocolError('unknown-topic', `topic ${JSON.stringify(topic)}: unknown node topic ${JSON.stringify(fourth)}`);
  }
  if (fourth === 'cmd' && fifth === 'result') return { kind: 'cmd-result', site, node };
  if (fourth === 'outbox') {
    if ((OUTBOX_KINDS as readonly string[]).includes(fifth)) return { kind: 'outbox', outbox: fifth as OutboxKind, site, node };
    throw new ProtocolError('unknown-topic', `topic ${JSON.stringify(topic)}: unknown outbox kind ${JSON.stringify(fifth)}`);
  }
  if ((DEVICE_TOPIC_KINDS as readonly string[]).includes(fifth)) {
    return { kind: fifth as DeviceTopicKind, device: at('device', fourth), site, node };
  }
  throw new ProtocolError('unknown-topic', `topic ${JSON.stringify(topic)}: unknown device topic ${JSON.stringify(fifth)}`);
}

/** Subscription filters for services that read every node (the ops-center). */
export const filters = {
  /** Everything nodes publish under the contract. */
  everything: `${TOPIC_ROOT}/#`,
  deviceKind: (kind: DeviceTopicKind): string => `${TOPIC_ROOT}/+/+/+/${kind}`,
  nodeKind: (kind: 'state' | 'birth' | 'health'): string => `${TOPIC_ROOT}/+/+/${kind}`,
  cmdResults: `${TOPIC_ROOT}/+/+/cmd/result`,
  outbox: `${TOPIC_ROOT}/+/+/outbox/+`,
} as const;
