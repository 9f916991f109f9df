export interface PollSpec {
  intervalMs: number;
  jitterMs?: number;
}

/**
 * Runs `poll` for each spec every `intervalMs` plus a random 0-`jitterMs` delay, so devices sharing a bus do not all
 * ask at once. The next poll is timed from the end of the previous one: a slow device never piles polls up.
 * The first poll comes after the jitter alone. Returns a stop function that clears every timer.
 */
export function schedulePolls<S extends PollSpec>(specs: readonly S[], poll: (spec: S) => Promise<void>, random = Math.random): () => void {
  const timers = new Set<NodeJS.Timeout>();
  let stopped = false;
  const after = (ms: number, run: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      run();
    }, ms);
    timers.add(timer);
  };
  for (const spec of specs) {
    const jitter = () => Math.round(random() * (spec.jitterMs ?? 0));
    const run = () => {
      if (stopped) return;
      void poll(spec)
        .catch(() => undefined)
        .finally(() => {
          if (!stopped) after(spec.intervalMs + jitter(), run);
        });
    };
    after(jitter(), run);
  }
  return () => {
    stopped = true;
    for (const timer of timers) clearTimeout(timer);
    timers.clear();
  };
}
