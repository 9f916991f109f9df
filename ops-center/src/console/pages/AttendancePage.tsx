import { useEffect, useState } from 'react';
import { api, type RoomAttendance } from '../api.js';
import { formats, type Language, roleLabel, t } from '../i18n.js';

const today = () => new Date(Date.now() + 7 * 3600_000).toISOString().slice(0, 10); // Vietnam, UTC+7

export function AttendancePage({ language }: { language: Language }) {
  const [day, setDay] = useState(today);
  const [rooms, setRooms] = useState<RoomAttendance[]>([]);
  const { time } = formats(language);
  useEffect(() => {
    api<{ rooms: RoomAttendance[] }>(`api/attendance?day=${day}`).then(
      (body) => setRooms(body.rooms),
      () => setRooms([]),
    );
  }, [day]);
  return (
    <main>
      <section className="wide" aria-label={t('navAttendance', language)}>
        <h2>{t('navAttendance', language)}</h2>
        <p className="toolbar">
          <label>
            {t('day', language)} <input type="date" value={day} onChange={(event) => setDay(event.target.value)} />
          </label>
          <a href={`api/attendance.csv?day=${day}`} download>
            {t('downloadCsv', language)}
          </a>
        </p>
        {rooms.length === 0 && <p>{t('noAttendance', language)}</p>}
        {rooms.map((room) => (
          <article key={`${room.site}/${room.room}`}>
            <h3>
              {room.room} · {room.site}
            </h3>
            {[
              ...room.sessions.map((s) => ({
                key: String(s.id),
                title: `${s.title} (${time.format(s.start)}–${time.format(s.end)})`,
                attendees: s.attendees,
              })),
              ...(room.unscheduled.length ? [{ key: 'none', title: t('unscheduled', language), attendees: room.unscheduled }] : []),
            ].map((group) => (
              <table key={group.key}>
                <caption>
                  {group.title}: {group.attendees.length} {t('present', language)}
                </caption>
                <thead>
                  <tr>
                    <th scope="col">{t('card', language)}</th>
                    <th scope="col">{t('role', language)}</th>
                    <th scope="col">{t('firstTap', language)}</th>
                  </tr>
                </thead>
                <tbody>
                  {group.attendees.map((a) => (
                    <tr key={a.card}>
                      <td>{a.card}</td>
                      <td>{a.role ? roleLabel(a.role, language) : ''}</td>
                      <td>
                        {time.format(a.firstTap)}
                        {a.late ? ` · ${t('late', language)}` : ''}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ))}
          </article>
        ))}
      </section>
    </main>
  );
}
