import { useEffect, useState } from 'react';
import { api, type KioskDayStats } from '../api.js';
import { formats, type Language, t } from '../i18n.js';

/** The statistics' name for records of a kiosk that is no node of the fleet (ops-center/src/fleet/tree.ts). */
const UNASSIGNED = '(unassigned)';

export function KioskPage({ language }: { language: Language }) {
  const [rows, setRows] = useState<KioskDayStats[]>([]);
  const { number } = formats(language);
  useEffect(() => {
    api<KioskDayStats[]>('api/kiosk-stats').then(setRows, () => setRows([]));
  }, []);
  return (
    <main>
      <section className="wide" aria-label={t('navKiosk', language)}>
        <h2>{t('navKiosk', language)}</h2>
        {rows.length === 0 ? (
          <p>{t('noKiosk', language)}</p>
        ) : (
          <table>
            <caption>{t('navKiosk', language)}</caption>
            <thead>
              <tr>
                <th scope="col">{t('day', language)}</th>
                <th scope="col">{t('center', language)}</th>
                <th scope="col">{t('kioskSessions', language)}</th>
                <th scope="col">{t('searches', language)}</th>
                <th scope="col">{t('enrolments', language)}</th>
                <th scope="col">{t('feedback', language)}</th>
                <th scope="col">{t('ratings', language)}</th>
                <th scope="col">{t('averageRating', language)}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={`${row.day}/${row.site}`}>
                  <td>{row.day}</td>
                  <td>
                    {row.site === UNASSIGNED ? t('kioskUnassigned', language) : (row.siteName ?? row.site)}
                    {row.siteName ? <small> ({row.site})</small> : null}
                  </td>
                  <td>{row.sessions}</td>
                  <td>{row.searches}</td>
                  <td>{row.enrolments}</td>
                  <td>{row.feedback}</td>
                  <td>{row.ratings}</td>
                  <td>{row.averageRating === undefined ? '–' : number.format(row.averageRating)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </main>
  );
}
