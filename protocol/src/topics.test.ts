import { describe, expect, it } from 'vitest';
import { ProtocolError } from './errors.js';
import { assertId, isValidId } from './ids.js';
import { buildTopic, parseTopic, type Topic } from './topics.js';

const node = { site: 'ttht-cho-lon', node: 'gw-p101' };

describe('ids', () => {
  it.each(['a', '0', 'gw-1', 'x'.repeat(63)])('accepts %s', (id) => {
    expect(isValidId(id)).toBe(true);
    expect(assertId('node', id)).toBe(id);
  });
  it.each([
    ['', /node id "" is invalid/],
    ['-gw', /starting with a letter or digit/],
    ['GW1', /is invalid/],
    ['gw_1', /is invalid/],
    ['x'.repeat(64), /is invalid/],
    ['phòng', /is invalid/],
    ['a/b', /is invalid/],
    ['+', /is invalid/],
  ])('refuses %j', (id, message) => {
    expect(() => assertId('node', id)).toThrow(message);
  });
  it('names the type of a non-string id', () => {
    expect(() => assertId('site', 42)).toThrow('site id must be a string, got number');
  });
  it('refuses device ids reserved for node topics', () => {
    expect(() => assertId('device', 'cmd')).toThrow(/reserved/);
    expect(assertId('node', 'cmd')).toBe('cmd');
  });
});

describe('topics', () => {
  const cases: [Topic, string][] = [
    [{ kind: 'state', ...node }, 'lophoc/v1/ttht-cho-lon/gw-p101/state'],
    [{ kind: 'birth', ...node }, 'lophoc/v1/ttht-cho-lon/gw-p101/birth'],
    [{ kind: 'health', ...node }, 'lophoc/v1/ttht-cho-lon/gw-p101/health'],
    [{ kind: 'cmd', ...node }, 'lophoc/v1/ttht-cho-lon/gw-p101/cmd'],
    [{ kind: 'cmd-result', ...node }, 'lophoc/v1/ttht-cho-lon/gw-p101/cmd/result'],
    [{ kind: 'ack', ...node }, 'lophoc/v1/ttht-cho-lon/gw-p101/ack'],
    [{ kind: 'telemetry', device: 'th-1', ...node }, 'lophoc/v1/ttht-cho-lon/gw-p101/th-1/telemetry'],
    [{ kind: 'event', device: 'reader', ...node }, 'lophoc/v1/ttht-cho-lon/gw-p101/reader/event'],
    [{ kind: 'availability', device: 'th-1', ...node }, 'lophoc/v1/ttht-cho-lon/gw-p101/th-1/availability'],
    [{ kind: 'outbox', outbox: 'enrolment', ...node }, 'lophoc/v1/ttht-cho-lon/gw-p101/outbox/enrolment'],
  ];
  it.each(cases)('builds and parses %j', (topic, name) => {
    expect(buildTopic(topic)).toBe(name);
    expect(parseTopic(name)).toEqual(topic);
  });

  it.each([
    ['other/v1/s/n/state', /not under lophoc\/v1\//],
    ['lophoc/v2/s/n/state', /not under lophoc\/v1\//],
    ['lophoc/v1/s/n', /has 4 levels/],
    ['lophoc/v1/s/n/d/telemetry/x', /has 7 levels/],
    ['lophoc/v1/s/n/status', /unknown node topic "status"/],
    ['lophoc/v1/s/n/cmd-result', /unknown node topic "cmd-result"/],
    ['lophoc/v1/s/n/d/metrics', /unknown device topic "metrics"/],
    ['lophoc/v1/s/n/outbox/payment', /unknown outbox kind "payment"/],
  ])('refuses unknown topic %s', (name, message) => {
    const error = catchError(() => parseTopic(name));
    expect(error.code).toBe('unknown-topic');
    expect(error.message).toMatch(message);
  });

  it.each([
    ['lophoc/v1/Site/n/state', /site id "Site" is invalid/],
    ['lophoc/v1/s/+/state', /node id "\+" is invalid/],
    ['lophoc/v1/s/n/Bad_Dev/telemetry', /device id "Bad_Dev" is invalid/],
    ['lophoc/v1/s/n/ack/telemetry', /device id "ack" is reserved/],
  ])('refuses bad ids in %s, naming the topic', (name, message) => {
    const error = catchError(() => parseTopic(name));
    expect(error.code).toBe('bad-id');
    expect(error.message).toContain(name);
    expect(error.message).toMatch(message);
  });

  it('refuses to build a topic with an invalid id', () => {
    expect(() => buildTopic({ kind: 'telemetry', site: 's', node: 'n', device: 'Nhiệt độ' })).toThrow(/device id "Nhiệt độ" is invalid/);
  });
});

function catchError(fn: () => unknown): ProtocolError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ProtocolError) return error;
    throw error;
  }
  throw new Error('expected a ProtocolError');
}
