import { TOPIC_ROOT } from '@lophoc/protocol';

/** Who a connection is, as far as topics go. `open` is the loopback-only development mode without a registry. */
export type Principal = { role: 'node'; site: string; node: string } | { role: 'service' } | { role: 'operator' } | { role: 'open' };

/** Topics only the hub writes to a node (DESIGN §3): `cmd` and `ack`. */
const HUB_TO_NODE = ['cmd', 'ack'] as const;

const nodePrefix = (site: string, node: string) => `${TOPIC_ROOT}/${site}/${node}/`;

/** `lophoc/v1/{site}/{node}/cmd|ack` with concrete site and node (no wildcards). */
function isHubToNodeTopic(topic: string): boolean {
  const levels = topic.split('/');
  return (
    levels.length === 5 &&
    `${levels[0]}/${levels[1]}` === TOPIC_ROOT &&
    levels.slice(2, 4).every((level) => level !== '' && level !== '+' && level !== '#') &&
    (HUB_TO_NODE as readonly string[]).includes(levels[4] as string)
  );
}

/**
 * DESIGN §3: a node publishes only under its own `{site}/{node}/` and never to its own `cmd`/`ack`; the
 * ops-center service writes only `cmd`/`ack`; an operator writes nothing. Returns the reason when refused.
 */
export function publishRefusal(principal: Principal, topic: string): string | undefined {
  switch (principal.role) {
    case 'open':
      return undefined;
    case 'node': {
      const prefix = nodePrefix(principal.site, principal.node);
      if (!topic.startsWith(prefix)) return `publish outside its prefix ${prefix}`;
      const rest = topic.slice(prefix.length);
      if ((HUB_TO_NODE as readonly string[]).includes(rest)) return `a node may not publish to its own ${rest}`;
      return undefined;
    }
    case 'service':
      return isHubToNodeTopic(topic) ? undefined : 'the ops-center service writes only lophoc/v1/{site}/{node}/cmd and ack';
    case 'operator':
      return 'operator accounts are read-only';
  }
}

/**
 * DESIGN §3: a node subscribes only to its own `cmd` and `ack` (so `#`, other nodes and `$SYS` are refused,
 * SUBACK 0x80); the ops-center service and operators read everything.
 */
export function subscribeRefusal(principal: Principal, filter: string): string | undefined {
  if (principal.role !== 'node') return undefined;
  const prefix = nodePrefix(principal.site, principal.node);
  return HUB_TO_NODE.some((kind) => filter === `${prefix}${kind}`) ? undefined : `a node subscribes only to ${prefix}cmd and ${prefix}ack`;
}
