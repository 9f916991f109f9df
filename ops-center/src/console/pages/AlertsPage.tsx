import { useEffect, useState } from 'react';
import { type Alert, api } from '../api.js';
import { formats, type Language, statusLabel, t } from '../i18n.js';

function AlertTable({
  caption,
  alerts,
  language,
  onAcknowledge,
}: {
  caption: string;
  alerts: Alert[];
  language: Language;
  onAcknowledge?: (alert: Alert) => void;
}) {
  const { dateTime } = formats(language);
  return (
    <table>
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">{t('severity', language)}</th>
          <th scope="col">{t('target', language)}</th>
          <th scope="col">{t('message', language)}</th>
          <th scope="col">{t('raised', language)}</th>
          <th scope="col">{onAcknowledge ? t('acknowledge', language) : t('cleared', language)}</th>
        </tr>
      </thead>
      <tbody>
        {alerts.map((alert) => (
          <tr key={alert.id} className={`severity-${alert.severity}`}>
            <td>{statusLabel(alert.severity, language)}</td>
            <td>{alert.target}</td>
            <td>{alert.message}</td>
            <td>{dateTime.format(alert.raisedAt)}</td>
            <td>
              {alert.ackedBy ? (
                `${t('acknowledgedBy', language)} ${alert.ackedBy} · ${dateTime.format(alert.ackedAt!)}`
              ) : onAcknowledge ? (
                <button type="button" aria-label={`${t('acknowledge', language)} ${alert.message}`} onClick={() => onAcknowledge(alert)}>
                  {t('acknowledge', language)}
                </button>
              ) : (
                ''
              )}
              {!onAcknowledge && alert.clearedAt ? ` ${dateTime.format(alert.clearedAt)}` : ''}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function AlertsPage({
  language,
  active,
  canAcknowledge,
  onChange,
}: {
  language: Language;
  active: Alert[];
  canAcknowledge: boolean;
  onChange: () => void;
}) {
  const [history, setHistory] = useState<Alert[]>([]);
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    void active;
    api<Alert[]>('api/alerts?active=false').then(setHistory, () => undefined);
  }, [active]);
  const acknowledge = async (alert: Alert) => {
    try {
      await api(`api/alerts/${alert.id}/ack`, { method: 'POST' });
      onChange();
    } catch (failure) {
      setError((failure as Error).message);
    }
  };
  return (
    <main>
      <section className="wide" aria-label={t('activeAlerts', language)}>
        <h2>{t('activeAlerts', language)}</h2>
        {active.length === 0 ? (
          <p>{t('noAlerts', language)}</p>
        ) : (
          <AlertTable
            caption={t('activeAlerts', language)}
            alerts={active}
            language={language}
            onAcknowledge={canAcknowledge ? acknowledge : undefined}
          />
        )}
        {error && <p role="alert">{error}</p>}
      </section>
      <section className="wide" aria-label={t('alertHistory', language)}>
        <h2>{t('alertHistory', language)}</h2>
        {history.length === 0 ? (
          <p>{t('noAlerts', language)}</p>
        ) : (
          <AlertTable caption={t('alertHistory', language)} alerts={history.slice(0, 200)} language={language} />
        )}
      </section>
    </main>
  );
}
