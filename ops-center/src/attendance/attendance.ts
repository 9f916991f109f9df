import type { ClassSession, EventRecord, NodeSummary } from '../store/store.js';

/**
 * Event types that mean "this card was presented": the edge agent's classroom rules publish `attendance`
 * (`{card, role, session, late}`, once per card and session); a bare reader publishes `card`. The card id is
 * pseudonymised at the edge (DESIGN §6).
 */
export const CARD_EVENT_TYPES = ['attendance', 'card', 'card.tap'] as const;
/** Sessions the edge agent opens when a teacher taps in and closes when the period ends. */
export const SESSION_EVENT_TYPES = ['session.opened', 'session.closed'] as const;

export interface Attendee {
  card: string;
  firstTap: number;
  taps: number;
  role?: string;
  late?: boolean;
}

export interface SessionAttendance {
  id: string;
  title: string;
  start: number;
  end: number;
  /** `edge`: opened by a teacher's card at the gateway; `schedule`: entered through the API. */
  source: 'edge' | 'schedule';
  attendees: Attendee[];
}

export interface RoomAttendance {
  site: string;
  room: string;
  sessions: SessionAttendance[];
  /** Taps outside every session of the room that day. */
  unscheduled: Attendee[];
}

export function cardOf(event: EventRecord): string | undefined {
  const { data } = event;
  const card = data.card ?? data.uid ?? data.id ?? data.tag;
  return typeof card === 'string' || typeof card === 'number' ? String(card) : undefined;
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value ? value : undefined);
const number = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);

/**
 * Attendance per room for one day. A tap that names its session (edge `attendance` events) goes to that
 * session; any other tap goes to the session of its room that contains it; a card counts once per session
 * (readers repeat while a card is held: RDM6300 vector).
 */
export function attendanceByRoom(
  events: readonly EventRecord[],
  nodes: readonly NodeSummary[],
  scheduled: readonly ClassSession[],
): RoomAttendance[] {
  const roomOf = (site: string, node: string) => nodes.find((n) => n.site === site && n.node === node)?.room ?? node;
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
  for (const s of scheduled) {
    room(s.site, s.room).sessions.push({
      id: `schedule-${s.id}`,
      title: s.title,
      start: s.start,
      end: s.end,
      source: 'schedule',
      attendees: [],
    });
  }
  const edgeSessions = new Map<string, SessionAttendance>();
  for (const event of events) {
    const id = text(event.data.session);
    if (!id || !(SESSION_EVENT_TYPES as readonly string[]).includes(event.type)) continue;
    const key = `${event.site}/${event.node}/${id}`;
    let session = edgeSessions.get(key);
    if (!session) {
      session = { id: `edge-${key}`, title: id, start: event.ts, end: event.ts, source: 'edge', attendees: [] };
      edgeSessions.set(key, session);
      room(event.site, roomOf(event.site, event.node)).sessions.push(session);
    }
    if (event.type === 'session.opened') {
      session.start = event.ts;
      session.title = text(event.data.period) ?? id;
      session.end = Math.max(session.end, number(event.data.endsAt) ?? event.ts);
      const teacher = text(event.data.teacher);
      if (teacher) add(session.attendees, teacher, event.ts, { role: 'teacher' });
    } else session.end = event.ts;
  }
  for (const event of events) {
    if (!(CARD_EVENT_TYPES as readonly string[]).includes(event.type)) continue;
    const card = cardOf(event);
    if (card === undefined) continue;
    const entry = room(event.site, roomOf(event.site, event.node));
    const named = text(event.data.session);
    const session =
      (named && edgeSessions.get(`${event.site}/${event.node}/${named}`)) ||
      entry.sessions.find((s) => event.ts >= s.start && event.ts < s.end);
    const extra = {
      ...(text(event.data.role) ? { role: text(event.data.role) } : {}),
      ...(event.data.late === true ? { late: true } : {}),
    };
    add(session ? session.attendees : entry.unscheduled, card, event.ts, extra);
  }
  for (const entry of rooms.values()) entry.sessions.sort((a, b) => a.start - b.start);
  return [...rooms.values()].sort((a, b) => `${a.site}/${a.room}`.localeCompare(`${b.site}/${b.room}`, 'vi'));
}

function add(list: Attendee[], card: string, ts: number, extra: { role?: string; late?: boolean }): void {
  const known = list.find((attendee) => attendee.card === card);
  if (known) {
    known.taps++;
    known.firstTap = Math.min(known.firstTap, ts);
  } else list.push({ card, firstTap: ts, taps: 1, ...extra });
}

const csvField = (value: string | number): string => {
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};

/** RFC 4180 CSV with a BOM so spreadsheet programs read Vietnamese room names as UTF-8. */
export function attendanceCsv(rooms: readonly RoomAttendance[]): string {
  const lines = [['site', 'room', 'session', 'start', 'end', 'card', 'role', 'first_tap', 'taps', 'late'].join(',')];
  const iso = (ts: number) => new Date(ts).toISOString();
  const row = (room: RoomAttendance, session: SessionAttendance | undefined, a: Attendee) =>
    [
      room.site,
      room.room,
      session?.title ?? '',
      session ? iso(session.start) : '',
      session ? iso(session.end) : '',
      a.card,
      a.role ?? '',
      iso(a.firstTap),
      a.taps,
      a.late ? 'yes' : '',
    ]
      .map(csvField)
      .join(',');
  for (const room of rooms) {
    for (const session of room.sessions) for (const a of session.attendees) lines.push(row(room, session, a));
    for (const a of room.unscheduled) lines.push(row(room, undefined, a));
  }
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}
