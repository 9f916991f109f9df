import { useEffect, useState } from 'react';
import { type Alert, type Command, keyOf, type LatestValue } from './api.js';

export interface LiveHandlers {
  latest(values: LatestValue[]): void;
  fleet(): void;
  alert(change: { type: string; alert: Alert }): void;
  command(command: Command): void;
}

/** One EventSource for the whole console (server-sent events from /api/live); reconnects by itself. */
export function useLiveStream(handlers: LiveHandlers, enabled: boolean): boolean {
  const [connected, setConnected] = useState(false);
  useEffect(() => {
    if (!enabled) return;
    const source = new EventSource('api/live');
    const on = <T>(name: string, handle: (data: T) => void) =>
      source.addEventListener(name, (event) => handle(JSON.parse((event as MessageEvent<string>).data) as T));
    source.addEventListener('open', () => setConnected(true));
    source.addEventListener('error', () => setConnected(false));
    on<LatestValue[]>('latest', handlers.latest);
    on<object>('fleet', handlers.fleet);
    on<{ type: string; alert: Alert }>('alert', handlers.alert);
    on<Command>('command', handlers.command);
    return () => source.close();
    // Handlers are stable (created once by the App).
  }, [enabled, handlers]);
  return connected;
}

/** Merges a batch of readings into the map, keeping the unit a reading had before. */
export function mergeLatest(previous: Map<string, LatestValue>, batch: LatestValue[]): Map<string, LatestValue> {
  const next = new Map(previous);
  for (const value of batch) {
    const known = next.get(keyOf(value));
    next.set(keyOf(value), { ...value, unit: value.unit ?? known?.unit });
  }
  return next;
}
