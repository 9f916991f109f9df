/**
 * The idle policy as a state machine. `attract` until touched; `active` while the citizen uses the kiosk; after
 * `idleMs` without a touch, `warning` with a countdown of `warningMs`; a touch during the warning returns to
 * `active`, the end of it wipes the session and returns to `attract`. Pure: time comes in as `tick(now)` events.
 */
export type IdleState =
  | { name: 'attract' }
  | { name: 'active'; lastTouch: number }
  | { name: 'warning'; deadline: number }
  | { name: 'wipe' };

export type IdleEvent = { type: 'touch'; now: number } | { type: 'tick'; now: number } | { type: 'wiped' } | { type: 'end'; now: number };

export interface IdleTimes {
  idleMs: number;
  warningMs: number;
}

export const DEFAULT_IDLE_TIMES: IdleTimes = { idleMs: 90_000, warningMs: 20_000 };

export function nextIdleState(state: IdleState, event: IdleEvent, times: IdleTimes = DEFAULT_IDLE_TIMES): IdleState {
  switch (event.type) {
    case 'touch':
      return state.name === 'wipe' ? state : { name: 'active', lastTouch: event.now };
    case 'end':
      return state.name === 'attract' ? state : { name: 'wipe' };
    case 'wiped':
      return { name: 'attract' };
    case 'tick':
      if (state.name === 'active' && event.now - state.lastTouch >= times.idleMs)
        return { name: 'warning', deadline: state.lastTouch + times.idleMs + times.warningMs };
      if (state.name === 'warning' && event.now >= state.deadline) return { name: 'wipe' };
      return state;
  }
}

/** Whole seconds left on the warning countdown (for the on-screen counter). */
export function secondsLeft(state: IdleState, now: number): number {
  return state.name === 'warning' ? Math.max(0, Math.ceil((state.deadline - now) / 1000)) : 0;
}
