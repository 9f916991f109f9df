export type Route =
  | { page: 'overview' }
  | { page: 'alerts' }
  | { page: 'attendance' }
  | { page: 'kiosk' }
  | { page: 'room'; site: string; room: string };

/** Hash routes, so the static console needs no server-side routing. */
export function parseHash(hash: string): Route {
  const [page, site, room] = hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  if (page === 'room' && site && room) return { page, site, room };
  if (page === 'alerts' || page === 'attendance' || page === 'kiosk') return { page };
  return { page: 'overview' };
}

export const roomHref = (site: string, room: string): string => `#/room/${encodeURIComponent(site)}/${encodeURIComponent(room)}`;
