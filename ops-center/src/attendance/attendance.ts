import type { ClassSession, EventRecord, NodeSummary } from '../store/store.js';

/** Event types a card reader publishes for a tap; the card id is pseudonymised at the edge (DESIGN §6). */
export const CARD_EVENT_TYPES = ['card', 'card.tap', 'card-tap', 'card_tap'] as const;

export interface Attendee {
  card: string;
  firstTap: number;
  taps: number;
}

export interface RoomAttendance {
  site: string;
  room: string;
  sessions: (ClassSession & { attendees: Attendee[] })[];
  /** Taps outside every scheduled session of the room that day. */
  unscheduled: Attendee[];
}

export function cardOf(event: EventRecord): string | undefined {
  const { data } = event;
  const card = data.card ?? data.uid ?? data.id ?? data.tag;
  return typeof card === 'string' || typeof card === 'number' ? String(card) : undefined;
}

/**
 * Attendance per room for one day: each card tap goes to the session of its room that contains it;
 * a card counts once per session (readers repeat while the card is held, RDM6300 vector).
 */
export function attendanceByRoom(
  events: readonly EventRecord[],
  nodes: readonly NodeSummary[],
  sessions: readonly ClassSession[],
): RoomAttendance[] {
  const roomOf = new Map(nodes.map((node) => [`${node.site}/${node.node}`, node.room ?? node.node]));
  const rooms = new Map<string, RoomAttendance>();
  const room = (site: string, name: string) => {
    const key = `${site}/${name}`;
    let entry = rooms.get(key);
    if (!entry) {
      entry = { site, room: name, sessions: [], unscheduled: [] };
      rooms.set(key, entry);
    }
    return entry;
  };
  for (const session of sessions) room(session.site, session.room).sessions.push({ ...session, attendees: [] });
  const add = (list: Attendee[], card: string, ts: number) => {
    const known = list.find((attendee) => attendee.card === card);
    if (known) {
      known.taps++;
      known.firstTap = Math.min(known.firstTap, ts);
    } else list.push({ card, firstTap: ts, taps: 1 });
  };
  for (const event of events) {
    const card = cardOf(event);
    if (card === undefined) continue;
    const entry = room(event.site, roomOf.get(`${event.site}/${event.node}`) ?? event.node);
    const session = entry.sessions.find((s) => event.ts >= s.start && event.ts < s.end);
    add(session ? session.attendees : entry.unscheduled, card, event.ts);
  }
  return [...rooms.values()].sort((a, b) => `${a.site}/${a.room}`.localeCompare(`${b.site}/${b.room}`, 'vi'));
}

const csvField = (value: string | number): string => {
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};

/** RFC 4180 CSV with a BOM so spreadsheet programs read Vietnamese room names as UTF-8. */
export function attendanceCsv(rooms: readonly RoomAttendance[]): string {
  const lines = [['site', 'room', 'session', 'start', 'end', 'card', 'first_tap', 'taps'].join(',')];
  const iso = (ts: number) => new Date(ts).toISOString();
  for (const room of rooms) {
    for (const session of room.sessions) {
      for (const a of session.attendees) {
        lines.push(
          [room.site, room.room, session.title, iso(session.start), iso(session.end), a.card, iso(a.firstTap), a.taps]
            .map(csvField)
            .join(','),
        );
      }
    }
    for (const a of room.unscheduled)
      lines.push([room.site, room.room, '', '', '', a.card, iso(a.firstTap), a.taps].map(csvField).join(','));
  }
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}
