import type { NodeSummary, Site } from '../store/store.js';

export interface StatusCounts {
  nodesOnline: number;
  nodesOffline: number;
  devicesOnline: number;
  devicesOffline: number;
  /** Devices whose availability was never reported. */
  devicesUnknown: number;
}

export interface RoomBranch {
  room: string;
  counts: StatusCounts;
  nodes: NodeSummary[];
}
export interface SiteBranch {
  id: string;
  name: string;
  kind?: Site['kind'];
  counts: StatusCounts;
  rooms: RoomBranch[];
}
export interface WardBranch {
  ward: string;
  counts: StatusCounts;
  sites: SiteBranch[];
}
export interface CityBranch {
  city: string;
  counts: StatusCounts;
  wards: WardBranch[];
}

const zero = (): StatusCounts => ({ nodesOnline: 0, nodesOffline: 0, devicesOnline: 0, devicesOffline: 0, devicesUnknown: 0 });
const add = (into: StatusCounts, from: StatusCounts) => {
  for (const key of Object.keys(into) as (keyof StatusCounts)[]) into[key] += from[key];
};

/** A site the sites list does not name still shows, under "unassigned", rather than disappearing. */
export const UNASSIGNED = '(unassigned)';

/** The fleet as city → ward → school/center → room → nodes, with status counts summed at every level. */
export function fleetTree(sites: readonly Site[], nodes: readonly NodeSummary[]): CityBranch[] {
  const byId = new Map(sites.map((site) => [site.id, site]));
  const cities = new Map<string, CityBranch>();
  const siteBranches = new Map<string, SiteBranch>();
  const branchOf = (siteId: string): SiteBranch => {
    const known = siteBranches.get(siteId);
    if (known) return known;
    const site = byId.get(siteId) ?? { id: siteId, name: siteId, city: UNASSIGNED, ward: UNASSIGNED };
    const city = cities.get(site.city) ?? { city: site.city, counts: zero(), wards: [] };
    cities.set(site.city, city);
    let ward = city.wards.find((w) => w.ward === site.ward);
    if (!ward) {
      ward = { ward: site.ward, counts: zero(), sites: [] };
      city.wards.push(ward);
    }
    const branch: SiteBranch = { id: site.id, name: site.name, ...(site.kind ? { kind: site.kind } : {}), counts: zero(), rooms: [] };
    ward.sites.push(branch);
    siteBranches.set(siteId, branch);
    return branch;
  };
  for (const site of sites) branchOf(site.id);
  for (const node of nodes) {
    const site = branchOf(node.site);
    const name = node.room ?? node.node;
    let room = site.rooms.find((r) => r.room === name);
    if (!room) {
      room = { room: name, counts: zero(), nodes: [] };
      site.rooms.push(room);
    }
    room.nodes.push(node);
    const counts = zero();
    if (node.online) counts.nodesOnline++;
    else counts.nodesOffline++;
    for (const device of node.devices) {
      // A device behind an offline node is unreachable, whatever it last said.
      if (!node.online || device.online === false) counts.devicesOffline++;
      else if (device.online === true) counts.devicesOnline++;
      else counts.devicesUnknown++;
    }
    add(room.counts, counts);
  }
  const collator = new Intl.Collator('vi');
  const result = [...cities.values()].sort((a, b) => collator.compare(a.city, b.city));
  for (const city of result) {
    city.wards.sort((a, b) => collator.compare(a.ward, b.ward));
    for (const ward of city.wards) {
      ward.sites.sort((a, b) => collator.compare(a.name, b.name));
      for (const site of ward.sites) {
        site.rooms.sort((a, b) => collator.compare(a.room, b.room));
        for (const room of site.rooms) add(site.counts, room.counts);
        add(ward.counts, site.counts);
      }
      add(city.counts, ward.counts);
    }
  }
  return result;
}
