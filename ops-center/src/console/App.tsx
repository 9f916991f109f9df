import { useEffect, useMemo, useState } from 'react';
import { keyOf, type LatestValue, type NodeSummary } from './api.js';
import { type Language, readingLabel, t } from './i18n.js';

/** Live readings of every classroom, grouped by node; pushed by the ops-center over server-sent events. */
export function App() {
  const [language, setLanguage] = useState<Language>('vi');
  const [values, setValues] = useState<Map<string, LatestValue>>(new Map());
  const [nodes, setNodes] = useState<NodeSummary[]>([]);
  const [live, setLive] = useState(false);

  useEffect(() => {
    const source = new EventSource('api/live');
    source.addEventListener('open', () => setLive(true));
    source.addEventListener('error', () => setLive(false));
    source.addEventListener('latest', (event) => {
      const batch = JSON.parse((event as MessageEvent<string>).data) as LatestValue[];
      setValues((previous) => {
        const next = new Map(previous);
        for (const value of batch) {
          const known = next.get(keyOf(value));
          next.set(keyOf(value), { ...value, unit: value.unit ?? known?.unit });
        }
        return next;
      });
    });
    return () => source.close();
  }, []);

  useEffect(() => {
    const load = () =>
      fetch('api/nodes')
        .then((response) => response.json() as Promise<NodeSummary[]>)
        .then(setNodes)
        .catch(() => undefined);
    load();
    const timer = setInterval(load, 5000);
    return () => clearInterval(timer);
  }, []);

  useEffect(() => {
    document.documentElement.lang = language;
  }, [language]);

  const groups = useMemo(() => {
    const byNode = new Map<string, LatestValue[]>();
    for (const value of values.values()) {
      const key = `${value.site}/${value.node}`;
      byNode.set(key, [...(byNode.get(key) ?? []), value]);
    }
    return [...byNode].sort(([a], [b]) => a.localeCompare(b));
  }, [values]);

  const time = new Intl.DateTimeFormat(language === 'vi' ? 'vi-VN' : 'en-GB', { timeStyle: 'medium' });
  const number = new Intl.NumberFormat(language === 'vi' ? 'vi-VN' : 'en-GB', { maximumFractionDigits: 1 });

  return (
    <>
      <header>
        <h1>LopHoc · {t('title', language)}</h1>
        <p role="status" className={live ? 'live' : 'connecting'}>
          {live ? t('live', language) : t('connecting', language)}
        </p>
        <button type="button" onClick={() => setLanguage(language === 'vi' ? 'en' : 'vi')}>
          {t('language', language)}
        </button>
      </header>
      <main>
        {groups.length === 0 && <p>{t('noData', language)}</p>}
        {groups.map(([key, rows]) => {
          const summary = nodes.find((node) => `${node.site}/${node.node}` === key);
          return (
            <section key={key} aria-label={key}>
              <h2>
                {summary?.room ? `${summary.room} · ` : ''}
                {key}{' '}
                {summary && (
                  <span className={summary.online ? 'badge online' : 'badge offline'}>
                    {summary.online ? t('online', language) : t('offline', language)}
                  </span>
                )}
              </h2>
              <table>
                <caption>
                  {t('readingsOf', language)} {key}
                </caption>
                <thead>
                  <tr>
                    <th scope="col">{t('device', language)}</th>
                    <th scope="col">{t('reading', language)}</th>
                    <th scope="col">{t('value', language)}</th>
                    <th scope="col">{t('updated', language)}</th>
                  </tr>
                </thead>
                <tbody>
                  {rows
                    .sort((a, b) => keyOf(a).localeCompare(keyOf(b)))
                    .map((row) => {
                      const device = summary?.devices.find((d) => d.device === row.device);
                      return (
                        <tr key={keyOf(row)} className={device?.online === false ? 'stale' : undefined}>
                          <td>{device?.name ?? row.device}</td>
                          <td>{readingLabel(row.name, language)}</td>
                          <td className="value" data-reading={keyOf(row)}>
                            {number.format(row.value)}
                            {row.unit ? ` ${row.unit}` : ''}
                          </td>
                          <td>
                            <time dateTime={new Date(row.ts).toISOString()}>{time.format(row.ts)}</time>
                          </td>
                        </tr>
                      );
                    })}
                </tbody>
              </table>
            </section>
          );
        })}
      </main>
    </>
  );
}
