import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CmdPayload, CmdResultPayload } from '@lophoc/protocol';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CommandProcessor, type CommandTarget } from './command-processor.js';

const log = pino({ level: 'silent' });
const now = Date.UTC(2026, 10, 30, 1, 0, 0);

/** A projector target with the power command's profile rules: `on` is a required boolean. */
function projector(calls: unknown[]): CommandTarget {
  return {
    validate(method, params) {
      if (method !== 'power') return `unknown method "${method}" for device "projector" (known: power)`;
      if (typeof params.on !== 'boolean') return 'params.on: expected a boolean';
      return undefined;
    },
    async execute(method, params) {
      calls.push([method, params]);
      if (params.on === true && calls.length > 5) throw new Error('ERR');
      return { power: params.on ? 'on' : 'standby' };
    },
  };
}

describe('CommandProcessor', () => {
  let dir: string;
  let published: CmdResultPayload[];
  let online: boolean;
  let calls: unknown[];
  const make = () =>
    new CommandProcessor({
      file: join(dir, 'commands.db'),
      resolve: (device) => (device === 'projector' ? projector(calls) : undefined),
      publish: (result) => {
        if (online) published.push(result);
        return online;
      },
      log,
      now: () => now,
    });
  const command = (overrides: Partial<CmdPayload> = {}): CmdPayload => ({
    v: 1,
    id: 'cmd-1',
    device: 'projector',
    method: 'power',
    params: { on: true },
    expiresAt: now + 60_000,
    ...overrides,
  });

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lophoc-cmd-'));
    published = [];
    online = true;
    calls = [];
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('executes a valid command once and publishes its result', async () => {
    const processor = make();
    expect(await processor.handle(command())).toEqual({ v: 1, id: 'cmd-1', ok: true, result: { power: 'on' }, ts: now });
    expect(calls).toEqual([['power', { on: true }]]);
    expect(published).toHaveLength(1);
    processor.close();
  });

  it('does not execute a replayed command id again, even after a restart, but answers it again', async () => {
    const first = make();
    await first.handle(command());
    first.close();
    const second = make();
    expect(await second.handle(command({ params: { on: false } }))).toMatchObject({ ok: true, result: { power: 'on' } });
    expect(calls).toHaveLength(1);
    expect(second.stats.replayed).toBe(1);
    expect(published).toHaveLength(2);
    second.close();
  });

  it.each([
    [command({ expiresAt: now - 1 }), /^expired at 2026-11-30T00:59:59.999Z; not executed$/],
    [command({ device: 'fan' }), /^unknown device "fan" on this gateway$/],
    [command({ method: 'volume' }), /^unknown method "volume" for device "projector"/],
    [command({ params: { on: 'yes' } }), /^params.on: expected a boolean$/],
  ])('refuses without executing (%#)', async (cmd, error) => {
    const processor = make();
    const result = await processor.handle(cmd);
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(error);
    expect(calls).toEqual([]);
    processor.close();
  });

  it('reports a device error as a failed result', async () => {
    const processor = make();
    for (let i = 0; i < 5; i++) await processor.handle(command({ id: `c-${i}` }));
    expect(await processor.handle(command({ id: 'c-5' }))).toMatchObject({ ok: false, error: 'ERR' });
    processor.close();
  });

  it('keeps results made while offline and publishes them on flush', async () => {
    online = false;
    const processor = make();
    await processor.handle(command());
    expect(published).toEqual([]);
    online = true;
    processor.flush();
    processor.flush();
    expect(published.map((r) => r.id)).toEqual(['cmd-1']);
    processor.close();
  });

  it('reports a command interrupted by a crash as failed after the restart, and never runs it again', async () => {
    const crashing = new CommandProcessor({
      file: join(dir, 'commands.db'),
      resolve: () => ({ validate: () => undefined, execute: () => new Promise(() => undefined) }), // the process dies here
      publish: () => true,
      log,
      now: () => now,
    });
    void crashing.handle(command());
    const restarted = make();
    expect(published).toEqual([{ v: 1, id: 'cmd-1', ok: false, error: 'interrupted by a gateway restart; not run again', ts: now }]);
    expect(await restarted.handle(command())).toMatchObject({ ok: false, error: 'interrupted by a gateway restart; not run again' });
    expect(calls).toEqual([]);
    restarted.close();
    crashing.close();
  });
});
