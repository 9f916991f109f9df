/** Shapes of the ops-center HTTP API the console reads (ops-center/src/store/store.ts). */
export interface LatestValue {
  site: string;
  node: string;
  device: string;
  name: string;
  value: number;
  ts: number;
  unit?: string;
}

export interface NodeSummary {
  site: string;
  node: string;
  room?: string;
  online: boolean;
  lastSeen: number;
  devices: { device: string; name?: string; online?: boolean; reason?: string }[];
}

export const keyOf = (value: Pick<LatestValue, 'site' | 'node' | 'device' | 'name'>): string =>
  `${value.site}/${value.node}/${value.device}/${value.name}`;
