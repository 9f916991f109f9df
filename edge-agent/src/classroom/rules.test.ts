import { describe, expect, it } from 'vitest';
import { CardPseudonymiser } from './card-privacy.js';
import { ClassroomRules, type RulesConfig } from './rules.js';
import { rulesSchema } from './rules-schema.js';
import { Timetable } from './timetable.js';
import { timetableSchema } from './timetable-schema.js';

const cards = new CardPseudonymiser(Buffer.alloc(32, 1));
const teacher = cards.pseudonym('0000000001');
const student = cards.pseudonym('0000000002');
const stranger = cards.pseudonym('0000000003');
/** Local time in Ho Chi Minh City (UTC+7) on Monday 2026-11-30. */
const at = (hhmm: string, date = '2026-11-30') => Date.parse(`${date}T${hhmm}:00+07:00`);

const config: RulesConfig = rulesSchema.parse({
  timetable: {
    periods: [
      { name: 'Tiết 1', start: '07:00', end: '07:45' },
      { name: 'Tiết 2', start: '07:50', end: '08:35' },
    ],
    holidays: ['2026-12-25', '2027-02-05..2027-02-14'],
  },
  projector: 'projector',
  comfort: [
    { device: 'co2-1', reading: 'co2', high: 1500, hysteresis: 200 },
    { device: 'th-1', reading: 'temperature', high: 32, hysteresis: 1 },
  ],
});
const rules = () => new ClassroomRules(config, new Map([[teacher, 'teacher']]));

describe('timetable', () => {
  const timetable = new Timetable(config.timetable);
  it('knows school days, weekends, holidays and Tết ranges in local time', () => {
    expect(timetable.isSchoolDay(at('07:10'))).toBe(true);
    expect(timetable.isSchoolDay(at('07:10', '2026-12-06'))).toBe(false); // Sunday
    expect(timetable.isSchoolDay(at('07:10', '2026-12-25'))).toBe(false);
    expect(timetable.isSchoolDay(at('07:10', '2027-02-10'))).toBe(false);
    expect(timetable.local(Date.parse('2026-11-30T23:30:00Z'))).toEqual({ date: '2026-12-01', weekday: 2, minutes: 390 }); // 06:30 next day
  });
  it('finds the period, allowing an early start', () => {
    expect(timetable.periodAt(at('07:44'))?.name).toBe('Tiết 1');
    expect(timetable.periodAt(at('07:47'))).toBeUndefined();
    expect(timetable.periodAt(at('06:50'), 15)?.name).toBe('Tiết 1');
  });
  it.each([
    [{ periods: [{ start: '08:00', end: '07:00' }] }, 'periods.0.end: must be after start 08:00'],
    [
      {
        periods: [
          { start: '07:00', end: '08:00' },
          { start: '07:30', end: '09:00' },
        ],
      },
      'periods.1.start: overlaps the previous period',
    ],
    [{ periods: [{ start: '7:00', end: '08:00' }] }, 'periods.0.start: must be a time HH:MM'],
    [{ periods: [{ start: '07:00', end: '08:00' }], holidays: ['2026-13-45'] }, 'holidays.0: is not a valid date'],
    [{ periods: [{ start: '07:00', end: '08:00' }], timezone: 'Mars/Olympus' }, 'timezone: is not an IANA time zone'],
  ])('refuses a bad timetable naming the field (%#)', (timetable, message) => {
    const result = timetableSchema.safeParse(timetable);
    expect(result.success).toBe(false);
    const issue = result.error!.issues[0]!;
    expect(`${issue.path.join('.')}: ${issue.message}`).toContain(message);
  });
});

describe('classroom rules', () => {
  it('a teacher tap turns the projector on and opens the period session; students are marked present once', () => {
    const room = rules();
    expect(room.cardTap('reader', teacher, at('06:55'))).toEqual([
      { kind: 'command', device: 'projector', method: 'power_on', params: {} },
      {
        kind: 'event',
        device: 'reader',
        type: 'session.opened',
        data: { session: '2026-11-30-p1', teacher, period: 'Tiết 1', endsAt: at('07:45') },
        attendance: true,
      },
    ]);
    expect(room.cardTap('reader', student, at('07:05'))).toEqual([
      {
        kind: 'event',
        device: 'reader',
        type: 'attendance',
        data: { card: student, role: 'unknown', session: '2026-11-30-p1', late: false },
        attendance: true,
      },
    ]);
    expect(room.cardTap('reader', student, at('07:06'))).toEqual([]); // the reader repeats while the card is held
    expect(room.cardTap('reader', stranger, at('07:20'))[0]).toMatchObject({ data: { late: true } });
  });

  it('closes the session at the end of the period and turns the projector off N minutes later', () => {
    const room = rules();
    room.cardTap('reader', teacher, at('07:00'));
    room.cardTap('reader', student, at('07:01'));
    expect(room.tick(at('07:44'))).toEqual([]);
    expect(room.tick(at('07:45'))).toEqual([
      { kind: 'event', device: 'classroom', type: 'session.closed', data: { session: '2026-11-30-p1', attendees: 2 }, attendance: true },
    ]);
    expect(room.tick(at('07:54'))).toEqual([]);
    expect(room.tick(at('07:55'))).toEqual([{ kind: 'command', device: 'projector', method: 'power_off', params: {} }]);
    expect(room.tick(at('08:30'))).toEqual([]); // only once
  });

  it('keeps the projector on when the teacher opens the next period in time', () => {
    const room = rules();
    room.cardTap('reader', teacher, at('07:00'));
    room.tick(at('07:45'));
    room.cardTap('reader', teacher, at('07:50'));
    expect(room.tick(at('07:56'))).toEqual([]);
    expect(room.openSession).toEqual({ id: '2026-11-30-p2', teacher, period: 'Tiết 2' });
  });

  it('opens an ad-hoc session outside the timetable (a make-up class on Sunday)', () => {
    const room = rules();
    const actions = room.cardTap('reader', teacher, at('14:00', '2026-12-06'));
    expect(actions[1]).toMatchObject({ type: 'session.opened', data: { session: '2026-12-06-adhoc-0840', period: null } });
    expect(room.tick(at('14:44', '2026-12-06'))).toEqual([]);
    expect(room.tick(at('14:45', '2026-12-06'))[0]).toMatchObject({ type: 'session.closed' });
  });

  it('records attendance without a session when no teacher has tapped in', () => {
    expect(rules().cardTap('reader', student, at('07:05'))[0]).toMatchObject({ type: 'attendance', data: { session: null, late: false } });
  });

  it('warns about comfort with hysteresis, once per crossing', () => {
    const room = rules();
    const t = at('07:00');
    expect(room.reading('co2-1', 'co2', 1400, t)).toEqual([]);
    expect(room.reading('co2-1', 'co2', 1500, t)).toEqual([
      {
        kind: 'event',
        device: 'co2-1',
        type: 'comfort.warning',
        data: { reading: 'co2', value: 1500, high: 1500, ts: t },
        attendance: false,
      },
    ]);
    expect(room.reading('co2-1', 'co2', 1600, t)).toEqual([]);
    expect(room.reading('co2-1', 'co2', 1350, t)).toEqual([]); // inside the hysteresis band
    expect(room.reading('co2-1', 'co2', 1300, t)[0]).toMatchObject({ type: 'comfort.cleared' });
    expect(room.reading('th-1', 'humidity', 99, t)).toEqual([]);
  });
});
