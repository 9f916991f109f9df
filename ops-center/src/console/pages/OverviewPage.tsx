import { type ReactNode, useMemo, useState } from 'react';
import type { CityBranch, LatestValue, NodeSummary, StatusCounts } from '../api.js';
import { keyOf } from '../api.js';
import { formats, type Language, readingLabel, t } from '../i18n.js';
import { roomHref } from '../routes.js';

const PAGE = 24;

function Counts({ counts, language }: { counts: StatusCounts; language: Language }) {
  return (
    <span className="counts">
      <span className="count up" title={t('nodesOnline', language)}>
        {counts.nodesOnline} {t('nodesOnline', language)}
      </span>
      {counts.nodesOffline > 0 && (
        <span className="count down">
          {counts.nodesOffline} {t('nodesOffline', language)}
        </span>
      )}
      <span className="count up">
        {counts.devicesOnline} {t('devicesOnline', language)}
      </span>
      {counts.devicesOffline > 0 && (
        <span className="count down">
          {counts.devicesOffline} {t('devicesOffline', language)}
        </span>
      )}
    </span>
  );
}

/**
 * City → ward → school/center → room. Branches render their children only when open, so the page stays
 * interactive with 10,000 devices: what is not shown is not in the DOM.
 */
function FleetTree({ fleet, language }: { fleet: CityBranch[]; language: Language }) {
  const small = fleet.reduce((sum, city) => sum + city.wards.reduce((s, w) => s + w.sites.length, 0), 0) <= 3;
  const [open, setOpen] = useState<Set<string>>(new Set());
  const isOpen = (key: string) => small || open.has(key);
  const toggle = (key: string) =>
    setOpen((previous) => {
      const next = new Set(previous);
      if (!next.delete(key)) next.add(key);
      return next;
    });
  // A plain function, not a component, so React keeps the subtree between renders.
  const branch = (id: string, label: string, counts: StatusCounts, children: () => ReactNode) => (
    <li key={id}>
      <button type="button" className="branch" aria-expanded={isOpen(id)} onClick={() => toggle(id)}>
        {label}
      </button>{' '}
      <Counts counts={counts} language={language} />
      {isOpen(id) && <ul>{children()}</ul>}
    </li>
  );
  return (
    <section aria-label={t('fleet', language)} className="fleet wide">
      <h2>{t('fleet', language)}</h2>
      <ul className="tree">
        {fleet.map((city) =>
          branch(city.city, city.city, city.counts, () =>
            city.wards.map((ward) =>
              branch(`${city.city}/${ward.ward}`, ward.ward, ward.counts, () =>
                ward.sites.map((site) =>
                  branch(`site/${site.id}`, site.name, site.counts, () =>
                    site.rooms.map((room) => (
                      <li key={room.room}>
                        <a href={roomHref(site.id, room.room)}>{room.room}</a> <Counts counts={room.counts} language={language} />
                      </li>
                    )),
                  ),
                ),
              ),
            ),
          ),
        )}
      </ul>
    </section>
  );
}

export function ReadingsTable({
  nodeKey,
  rows,
  summary,
  language,
}: {
  nodeKey: string;
  rows: LatestValue[];
  summary: NodeSummary | undefined;
  language: Language;
}) {
  const { time, number } = formats(language);
  return (
    <table>
      <caption>
        {t('readingsOf', language)} {nodeKey}
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
        {rows.map((row) => {
          const device = summary?.devices.find((d) => d.device === row.device);
          const stale = device?.online === false || summary?.online === false;
          return (
            <tr key={keyOf(row)} className={stale ? 'stale' : undefined}>
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
  );
}

export function OverviewPage({
  language,
  fleet,
  values,
  nodeIndex,
}: {
  language: Language;
  fleet: CityBranch[];
  values: Map<string, LatestValue>;
  nodeIndex: Map<string, NodeSummary>;
}) {
  const [shown, setShown] = useState(PAGE);
  const groups = useMemo(() => {
    const byNode = new Map<string, LatestValue[]>();
    for (const value of values.values()) {
      const key = `${value.site}/${value.node}`;
      const list = byNode.get(key);
      if (list) list.push(value);
      else byNode.set(key, [value]);
    }
    for (const list of byNode.values()) list.sort((a, b) => keyOf(a).localeCompare(keyOf(b)));
    return [...byNode].sort(([a], [b]) => a.localeCompare(b));
  }, [values]);
  return (
    <main>
      <FleetTree fleet={fleet} language={language} />
      <section aria-label={t('liveReadings', language)} className="wide">
        <h2>{t('liveReadings', language)}</h2>
        {groups.length === 0 && <p>{t('noData', language)}</p>}
        <div className="cards">
          {groups.slice(0, shown).map(([key, rows]) => {
            const summary = nodeIndex.get(key);
            return (
              <article key={key} aria-label={key}>
                <h3>
                  {summary?.room ? <a href={roomHref(summary.site, summary.room)}>{summary.room}</a> : null}
                  {summary?.room ? ' · ' : ''}
                  {key}{' '}
                  {summary && (
                    <span className={summary.online ? 'badge online' : 'badge offline'}>
                      {summary.online ? t('online', language) : t('offline', language)}
                    </span>
                  )}
                </h3>
                <ReadingsTable nodeKey={key} rows={rows} summary={summary} language={language} />
              </article>
            );
          })}
        </div>
        {groups.length > shown && (
          <button type="button" onClick={() => setShown(shown + PAGE)}>
            {t('showMore', language)} ({groups.length - shown})
          </button>
        )}
      </section>
    </main>
  );
}
