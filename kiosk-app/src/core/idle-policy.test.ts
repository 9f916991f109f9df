import { describe, expect, it } from 'vitest';
import { type IdleEvent, type IdleState, nextIdleState, secondsLeft } from './idle-policy.js';

const times = { idleMs: 1000, warningMs: 500 };
const run = (events: IdleEvent[], start: IdleState = { name: 'attract' }) =>
  events.reduce((state, event) => nextIdleState(state, event, times), start);

describe('idle policy', () => {
  it('attract → active on touch, stays active while touched', () => {
    expect(
      run([
        { type: 'touch', now: 0 },
        { type: 'tick', now: 900 },
        { type: 'touch', now: 950 },
        { type: 'tick', now: 1900 },
      ]),
    ).toEqual({
      name: 'active',
      lastTouch: 950,
    });
  });
  it('warns after idleMs, counts down, then wipes and returns to attract', () => {
    const warning = run([
      { type: 'touch', now: 0 },
      { type: 'tick', now: 1000 },
    ]);
    expect(warning).toEqual({ name: 'warning', deadline: 1500 });
    expect(secondsLeft(warning, 1100)).toBe(1);
    const wipe = nextIdleState(warning, { type: 'tick', now: 1500 }, times);
    expect(wipe).toEqual({ name: 'wipe' });
    expect(nextIdleState(wipe, { type: 'touch', now: 1600 }, times)).toEqual({ name: 'wipe' });
    expect(nextIdleState(wipe, { type: 'wiped' }, times)).toEqual({ name: 'attract' });
  });
  it('a touch during the warning keeps the session', () => {
    expect(
      run([
        { type: 'touch', now: 0 },
        { type: 'tick', now: 1200 },
        { type: 'touch', now: 1300 },
      ]),
    ).toEqual({ name: 'active', lastTouch: 1300 });
  });
  it('the attract screen never times out, and "end session" wipes at once', () => {
    expect(run([{ type: 'tick', now: 10_000 }])).toEqual({ name: 'attract' });
    expect(
      run([
        { type: 'touch', now: 0 },
        { type: 'end', now: 10 },
      ]),
    ).toEqual({ name: 'wipe' });
  });
});
