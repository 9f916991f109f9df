import { describe, expect, it } from 'vitest';
import { type Principal, publishRefusal, subscribeRefusal } from './acl.js';

const node: Principal = { role: 'node', site: 'th-cho-quan', node: 'gw-p101' };
const service: Principal = { role: 'service' };
const operator: Principal = { role: 'operator' };

describe('node ACL (DESIGN §3)', () => {
  it.each([
    'lophoc/v1/th-cho-quan/gw-p101/state',
    'lophoc/v1/th-cho-quan/gw-p101/birth',
    'lophoc/v1/th-cho-quan/gw-p101/xy-md02-1/telemetry',
    'lophoc/v1/th-cho-quan/gw-p101/cmd/result',
    'lophoc/v1/th-cho-quan/gw-p101/outbox/feedback',
  ])('publishes under its own prefix: %s', (topic) => expect(publishRefusal(node, topic)).toBeUndefined());

  it.each([
    ['lophoc/v1/th-cho-quan/gw-p101/cmd', 'its own cmd'],
    ['lophoc/v1/th-cho-quan/gw-p101/ack', 'its own ack'],
    ['lophoc/v1/th-cho-quan/gw-p102/state', 'outside its prefix'],
    ['lophoc/v1/th-an-dong/gw-p101/state', 'outside its prefix'],
    ['lophoc/v1/th-cho-quan/gw-p101', 'outside its prefix'],
    ['$SYS/broker/clients', 'outside its prefix'],
  ])('may not publish %s', (topic, reason) => expect(publishRefusal(node, topic)).toContain(reason));

  it('subscribes only to its own cmd and ack', () => {
    expect(subscribeRefusal(node, 'lophoc/v1/th-cho-quan/gw-p101/cmd')).toBeUndefined();
    expect(subscribeRefusal(node, 'lophoc/v1/th-cho-quan/gw-p101/ack')).toBeUndefined();
    for (const filter of [
      '#',
      '+/#',
      '$SYS/#',
      'lophoc/v1/th-cho-quan/gw-p101/#',
      'lophoc/v1/th-cho-quan/+/cmd',
      'lophoc/v1/th-cho-quan/gw-p102/cmd',
      'lophoc/v1/th-cho-quan/gw-p101/state',
    ])
      expect(subscribeRefusal(node, filter), filter).toBeDefined();
  });
});

describe('service and operator ACL', () => {
  it('the ops-center service reads everything and writes only cmd and ack', () => {
    expect(subscribeRefusal(service, '#')).toBeUndefined();
    expect(publishRefusal(service, 'lophoc/v1/th-cho-quan/gw-p101/cmd')).toBeUndefined();
    expect(publishRefusal(service, 'lophoc/v1/th-cho-quan/gw-p101/ack')).toBeUndefined();
    expect(publishRefusal(service, 'lophoc/v1/th-cho-quan/gw-p101/state')).toBeDefined();
    expect(publishRefusal(service, 'lophoc/v1/th-cho-quan/+/cmd')).toBeDefined();
    expect(publishRefusal(service, 'lophoc/v1/th-cho-quan/gw-p101/cmd/result')).toBeDefined();
  });
  it('an operator reads everything and writes nothing', () => {
    expect(subscribeRefusal(operator, 'lophoc/v1/#')).toBeUndefined();
    expect(publishRefusal(operator, 'lophoc/v1/th-cho-quan/gw-p101/cmd')).toContain('read-only');
  });
});
