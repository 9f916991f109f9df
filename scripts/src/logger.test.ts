import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createLogger, type Logger } from './logger.js';

const ROOT = join(import.meta.dirname, '..', '..');

/** Runs the same calls on our logger and on pino with the options the daemon used (name, level, base undefined, ISO time). */
function both(level: string, calls: (log: Logger) => void): { ours: string[]; theirs: string[] } {
  const ours: string[] = [];
  const theirs: string[] = [];
  calls(createLogger('lophoc-agent', level, (line) => ours.push(line)));
  const reference = pino(
    { name: 'lophoc-agent', level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime },
    { write: (line: string) => theirs.push(line) },
  );
  calls(reference);
  return { ours, theirs };
}

const ISO = /"time":"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)"/;
const withoutTime = (line: string) => line.replace(ISO, '"time":"T"');

/** Line for line the same text (so the same keys in the same order, nested ones too), the time aside. */
function expectSameAsPino(level: string, calls: (log: Logger) => void): Record<string, unknown>[] {
  const { ours, theirs } = both(level, calls);
  expect(ours.map(withoutTime)).toEqual(theirs.map(withoutTime));
  for (const line of ours) {
    expect(line.endsWith('}\n')).toBe(true);
    const time = ISO.exec(line)?.[1];
    expect(time).toBeDefined();
    expect(Math.abs(Date.parse(time!) - Date.now())).toBeLessThan(60_000);
  }
  return ours.map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('createLogger writes what pino wrote', () => {
  it('for every level, with (obj, msg), (msg) and (obj): level number, time, name, fields, msg in that order', () => {
    const lines = expectSameAsPino('trace', (log) => {
      log.trace({ device: 'th-1', reply: '01 03 04' }, 'reply without a value');
      log.debug({ delay: 1500 }, 'mqtt connection closed; reconnecting');
      log.info({ site: 'ttht-an-dong', node: 'gw-p3', devices: 3 }, 'gateway started');
      log.warn('device offline');
      log.error({ granted: [0, 128] }, 'subscription refused');
      log.fatal({ code: 2 });
    });
    expect(lines.map((line) => line.level)).toEqual([10, 20, 30, 40, 50, 60]);
    expect(Object.keys(lines[2]!)).toEqual(['level', 'time', 'name', 'site', 'node', 'devices', 'msg']);
    expect(lines[3]).toMatchObject({ name: 'lophoc-agent', msg: 'device offline' });
    expect(lines[5]).not.toHaveProperty('msg');
  });

  it('leaves out the levels below its own, everything at silent, and follows a level set later', () => {
    const lines = expectSameAsPino('warn', (log) => {
      log.debug({ a: 1 }, 'not written');
      log.info('not written either');
      log.warn('written');
      log.level = 'silent';
      log.fatal('silenced');
      log.level = 'debug';
      log.debug('now written');
    });
    expect(lines.map((line) => line.msg)).toEqual(['written', 'now written']);
    expect(both('silent', (log) => log.fatal('x')).ours).toEqual([]);
  });

  it('reports its level and which levels are enabled as pino does', () => {
    for (const level of ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']) {
      const ours = createLogger('x', level, () => {});
      const theirs = pino({ level }, { write: () => {} });
      expect(ours.level).toBe(level);
      for (const asked of ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent', 'verbose'])
        expect(ours.isLevelEnabled(asked), `${level} enables ${asked}`).toBe(theirs.isLevelEnabled(asked));
    }
  });

  it('refuses an unknown level, naming it and LOG_LEVEL', () => {
    expect(() => createLogger('x', 'verbose', () => {})).toThrow('LOG_LEVEL: unknown log level "verbose" (one of trace, debug');
    const log = createLogger('x', 'info', () => {});
    expect(() => {
      log.level = 'loud';
    }).toThrow('unknown log level "loud"');
    expect(log.level).toBe('info');
  });

  it('puts child bindings after the name, nested children after their parents, and ignores a level binding', () => {
    const lines = expectSameAsPino('info', (log) => {
      const uplink = log.child({ part: 'uplink' });
      uplink.info({ url: 'mqtts://broker.example:8883' }, 'connected to broker');
      const driver = log.child({ part: 'driver', device: 'projector', level: 'debug', skipped: undefined });
      driver.child({ port: '/dev/ttyUSB0' }).warn({ err: 'timeout' }, 'command failed');
      driver.debug('still below info');
    });
    expect(Object.keys(lines[1]!)).toEqual(['level', 'time', 'name', 'part', 'device', 'port', 'err', 'msg']);
  });

  it('children follow their parent level until they set their own', () => {
    expectSameAsPino('info', (log) => {
      const child = log.child({ part: 'commands' });
      log.level = 'debug';
      child.debug('follows the parent');
      child.level = 'error';
      child.warn('below its own level');
      log.level = 'info';
      child.error('its own level stays');
      expect(child.level).toBe('error');
    });
  });

  it('serializes errors like pino: an Error first goes under err with its message as msg; type, message, stack, own properties', () => {
    const failure = Object.assign(new Error('ENOENT: no such file /dev/ttyUSB9'), { code: 'ENOENT', errno: -2 });
    class BusError extends Error {
      constructor(
        message: string,
        readonly address: number,
      ) {
        super(message);
      }
    }
    // Made once, so that both loggers see the same stacks.
    const bus = new BusError('no reply', 3);
    const caused = new Error('write failed', { cause: new Error('port closed') });
    const aggregate = new AggregateError([new Error('a'), new TypeError('b')], 'both failed');
    const outer = Object.assign(new Error('outer'), { inner: new RangeError('inner'), raw: 'dropped' });
    const lines = expectSameAsPino('info', (log) => {
      log.error(failure);
      log.error(failure, 'open failed');
      log.warn({ err: failure, device: 'th-1' }, 'poll missed');
      log.warn({ err: failure });
      log.error(bus);
      log.error(caused);
      log.error(aggregate);
      log.warn({ err: { message: 'error-like', code: 7 } }, 'an object with a message');
      log.warn({ err: 'a string stays a string' });
      log.warn({ err: outer });
    });
    expect(lines[0]).toMatchObject({
      level: 50,
      err: { type: 'Error', message: failure.message, code: 'ENOENT', errno: -2 },
      msg: failure.message,
    });
    expect(Object.keys(lines[0]!.err as object)).toEqual(['type', 'message', 'stack', 'code', 'errno']);
    expect((lines[0]!.err as { stack: string }).stack).toBe(failure.stack);
    expect(lines[1]!.msg).toBe('open failed');
    expect(lines[4]!.err).toMatchObject({ type: 'BusError', address: 3 });
    expect(lines[5]!.err).toMatchObject({ message: 'write failed: port closed' });
    expect(lines[6]!.err).toMatchObject({
      type: 'AggregateError',
      aggregateErrors: [{ message: 'a' }, { type: 'TypeError', message: 'b' }],
    });
  });

  it('writes circular objects and errors, BigInt and deep values as pino does, without throwing', () => {
    const room: Record<string, unknown> = { id: 'P3', devices: ['th-1', 'projector'] };
    room.self = room;
    room.nested = { back: room, list: [room, 1n] };
    const deep: Record<string, unknown> = { a: { b: { c: { d: { e: { f: { g: 1 } } } } } } };
    deep.loop = deep;
    const wide: Record<string, unknown> = Object.fromEntries(Array.from({ length: 120 }, (_, i) => [`k${i}`, i]));
    wide.me = wide;
    const looping = Object.assign(new Error('loops'), { context: {} as Record<string, unknown> });
    looping.context.error = looping;
    const lines = expectSameAsPino('info', (log) => {
      log.info({ room, count: 2n }, 'circular');
      log.info(room, 'the circular object itself');
      log.info({ deep, wide }, 'limits');
      log.error(looping);
      log.child({ room }).info('circular binding');
    });
    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatchObject({ room: { self: '[Circular]' }, count: 2 });
  });

  it('writes odd values as pino does: undefined and functions left out, NaN as null, toJSON, quotes and new lines', () => {
    expectSameAsPino('info', (log) => {
      log.info(
        {
          gone: undefined,
          fn: () => 1,
          nan: Number.NaN,
          inf: Number.POSITIVE_INFINITY,
          at: new Date(0),
          bytes: Buffer.from([1, 2]),
          'a "key"': 'a\nvalue "quoted" \\',
          nested: { gone: undefined, n: null },
          sym: Symbol('s'),
          msg: 'a msg field',
        },
        'line 1\nline 2 "quoted"',
      );
      log.info({ msg: 'only the field' });
      log.info({ time: 'a field named time', name: 'and name' }, 'kept twice as pino does');
    });
  });

  it('keeps a Vietnamese message and fields intact', () => {
    const message = 'Cảm biến nhiệt độ phòng P3 mất kết nối';
    const lines = expectSameAsPino('info', (log) => log.child({ phòng: 'Phòng thực hành Hóa' }).warn({ lý_do: 'không trả lời' }, message));
    expect(lines[0]).toMatchObject({ msg: message, phòng: 'Phòng thực hành Hóa', lý_do: 'không trả lời' });
    expect((lines[0]!.msg as string).normalize('NFC')).toBe(lines[0]!.msg);
  });
});

describe('createLogger on stderr', () => {
  it('writes each line to fd 2 before the call returns, so lines logged just before process.exit are not lost', () => {
    const script = [
      `import { createLogger } from ${JSON.stringify(join(ROOT, 'scripts/src/logger.ts'))};`,
      `const log = createLogger('lophoc-agent');`,
      `for (let i = 0; i < 2000; i++) log.info({ i }, 'Đã kết nối tới máy chủ');`,
      `log.child({ part: 'uplink' }).debug('below info');`,
      `process.exit(0);`,
    ].join('\n');
    const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: ROOT,
      env: { ...process.env, LOG_LEVEL: 'info' },
      encoding: 'utf8',
      maxBuffer: 16 << 20,
    });
    expect(result.status, result.stderr).toBe(0);
    const lines = result.stderr.split('\n').filter(Boolean);
    expect(lines).toHaveLength(2000);
    const parsed = lines.map((line) => JSON.parse(line) as { level: number; name: string; i: number; msg: string });
    expect(parsed.map((line) => line.i)).toEqual(Array.from({ length: 2000 }, (_, i) => i));
    expect(parsed[1999]).toMatchObject({ level: 30, name: 'lophoc-agent', msg: 'Đã kết nối tới máy chủ' });
  });
});
