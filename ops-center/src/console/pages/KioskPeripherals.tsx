import type { NodeSummary } from '../api.js';
import { formats, isPeripheral, type Language, peripheralLabel, reasonLabel, t } from '../i18n.js';

/**
 * A kiosk's receipt printer and QR scanner (devices of its birth, with their retained availability): usable or
 * not, and why in the operator's words. Behind an offline kiosk nothing is known to be usable.
 */
export function KioskPeripherals({ node, language }: { node: NodeSummary; language: Language }) {
  const { dateTime } = formats(language);
  const name = `${t('peripheralsOf', language)} ${node.node}`;
  const peripherals = node.devices.filter((device) => isPeripheral(device.profile));
  return (
    <section className="wide" aria-label={name}>
      {peripherals.length === 0 ? (
        <>
          <h3>{name}</h3>
          <p>{t('noPeripherals', language)}</p>
        </>
      ) : (
        <table>
          <caption>{name}</caption>
          <thead>
            <tr>
              <th scope="col">{t('device', language)}</th>
              <th scope="col">{t('state', language)}</th>
              <th scope="col">{t('reason', language)}</th>
              <th scope="col">{t('updated', language)}</th>
            </tr>
          </thead>
          <tbody>
            {peripherals.map((device) => {
              const state = !node.online
                ? { className: 'badge offline', label: t('offline', language) }
                : device.online === undefined
                  ? { className: 'badge', label: t('unknown', language) }
                  : device.online
                    ? { className: 'badge online', label: t('available', language) }
                    : { className: 'badge offline', label: t('unavailable', language) };
              return (
                <tr key={device.device}>
                  <th scope="row">{peripheralLabel(device.profile, device.name ?? device.device, language)}</th>
                  <td>
                    <span className={state.className}>{state.label}</span>
                  </td>
                  <td>{device.reason ? reasonLabel(device.reason, language) : ''}</td>
                  <td>
                    {device.since ? <time dateTime={new Date(device.since).toISOString()}>{dateTime.format(device.since)}</time> : ''}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
