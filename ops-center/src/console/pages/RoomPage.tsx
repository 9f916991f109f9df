import { useEffect, useState } from 'react';
import { type CommandSpecs, specOf } from '../../commands/params.js';
import { api, type Command, type DeviceSummary, HttpError, keyOf, type LatestValue, type NodeSummary, type SeqGap } from '../api.js';
import { commandLabel, formats, isPeripheral, type Language, peripheralLabel, reasonLabel, statusLabel, t } from '../i18n.js';
import { Chart } from './Chart.js';
import { CommandForm } from './CommandForm.js';
import { KioskPeripherals } from './KioskPeripherals.js';
import { KioskScreenshot } from './KioskScreenshot.js';
import { ReadingsTable } from './OverviewPage.js';

const COMMAND_TTL_SECONDS = 120;

/** A kiosk's printer or scanner is usable or not (out of paper is not "offline"); other devices online or offline. */
function DeviceState({ online, peripheral = false, language }: { online: boolean | undefined; peripheral?: boolean; language: Language }) {
  if (online === undefined) return <span className="badge">{t('unknown', language)}</span>;
  const label = peripheral ? (online ? 'available' : 'unavailable') : online ? 'online' : 'offline';
  return <span className={online ? 'badge online' : 'badge offline'}>{t(label, language)}</span>;
}

/** One room: its nodes and devices with their state, live charts, command buttons and their results. */
export function RoomPage({
  language,
  site,
  room,
  nodes,
  values,
  commands,
  canCommand,
}: {
  language: Language;
  site: string;
  room: string;
  nodes: NodeSummary[];
  values: Map<string, LatestValue>;
  commands: Map<string, Command>;
  canCommand: boolean;
}) {
  const { dateTime, time } = formats(language);
  const [error, setError] = useState<string | undefined>();
  const here = new Set(nodes.map((n) => `${n.site}/${n.node}`));
  const readings = [...values.values()].filter((v) => here.has(`${v.site}/${v.node}`)).sort((a, b) => keyOf(a).localeCompare(keyOf(b)));
  const sent = [...commands.values()].filter((c) => here.has(`${c.site}/${c.node}`)).sort((a, b) => b.createdAt - a.createdAt);

  // Seq gaps per node (records never received), refreshed as readings arrive; DESIGN §3.
  const [gaps, setGaps] = useState<Map<string, SeqGap[]>>(new Map());
  const nodeKeys = nodes.map((n) => `${n.site}/${n.node}`).join(',');
  const freshest = readings.reduce((max, r) => Math.max(max, r.ts), 0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `freshest` is the trigger: refetch when new readings arrive.
  useEffect(() => {
    if (!nodeKeys) return;
    const timer = setTimeout(() => {
      api<SeqGap[]>(`api/gaps?site=${encodeURIComponent(site)}`).then(
        (list) => setGaps(list.reduce((map, gap) => map.set(gap.node, [...(map.get(gap.node) ?? []), gap]), new Map<string, SeqGap[]>())),
        () => undefined,
      );
    }, 300);
    return () => clearTimeout(timer);
  }, [site, nodeKeys, freshest]);

  const [specs, setSpecs] = useState<CommandSpecs>({});
  useEffect(() => {
    api<CommandSpecs>('api/command-specs').then(setSpecs, () => undefined);
  }, []);
  const [form, setForm] = useState<{ node: NodeSummary; device: DeviceSummary; method: string } | undefined>();
  const [lastSent, setLastSent] = useState<Command | undefined>();
  const outcome = lastSent ? (commands.get(lastSent.id) ?? lastSent) : undefined;

  const send = async (node: NodeSummary, device: string, method: string, params: Record<string, unknown> = {}) => {
    try {
      setError(undefined);
      const command = await api<Command>('api/commands', {
        method: 'POST',
        body: { site: node.site, node: node.node, device, method, params, ttlSeconds: COMMAND_TTL_SECONDS },
      });
      setLastSent(command);
      setForm(undefined);
    } catch (failure) {
      setError(failure instanceof HttpError ? failure.message : String(failure));
    }
  };
  const deviceLabel = (device: DeviceSummary) => device.name ?? device.device;
  const press = (node: NodeSummary, device: DeviceSummary, method: string) => {
    const spec = specOf(specs, device.profile, method);
    if (spec && Object.keys(spec.params).length) {
      setError(undefined);
      setForm({ node, device, method });
    } else void send(node, device.device, method);
  };
  const formSpec = form ? specOf(specs, form.device.profile, form.method) : undefined;

  return (
    <main>
      <section className="wide" aria-label={`${t('room', language)} ${room}`}>
        <p>
          <a href="#/">{t('back', language)}</a>
        </p>
        <h2>
          {room} · {site}
        </h2>
        <table>
          <caption>{t('devices', language)}</caption>
          <thead>
            <tr>
              <th scope="col">{t('device', language)}</th>
              <th scope="col">{t('state', language)}</th>
              <th scope="col">{t('reason', language)}</th>
              <th scope="col">{t('lastSeen', language)}</th>
              <th scope="col">{t('commands', language)}</th>
            </tr>
          </thead>
          <tbody>
            {nodes.flatMap((node) => [
              <tr key={node.node} className="node-row">
                <th scope="row">{node.node}</th>
                <td>
                  <DeviceState online={node.online} language={language} />
                </td>
                <td>
                  {[
                    !node.online && node.since ? `${t('offlineSince', language)} ${dateTime.format(node.since)}` : '',
                    node.outboxDepth ? `${t('outbox', language)}: ${node.outboxDepth}` : '',
                    gaps.get(node.node)?.length
                      ? `${t('missingSeq', language)} ${(gaps.get(node.node) ?? [])
                          .slice(0, 5)
                          .map((g) => (g.from === g.to ? `${g.from}` : `${g.from}–${g.to}`))
                          .join(', ')}`
                      : '',
                  ]
                    .filter(Boolean)
                    .join(' · ')}
                </td>
                <td>
                  <time dateTime={new Date(node.lastSeen).toISOString()}>{dateTime.format(node.lastSeen)}</time>
                </td>
                <td />
              </tr>,
              ...node.devices.map((device) => (
                <tr key={`${node.node}/${device.device}`}>
                  <th scope="row">{peripheralLabel(device.profile, device.name ?? device.device, language)}</th>
                  <td>
                    {node.online ? (
                      <DeviceState online={device.online} peripheral={isPeripheral(device.profile)} language={language} />
                    ) : (
                      <DeviceState online={false} language={language} />
                    )}
                  </td>
                  <td>{device.reason ? reasonLabel(device.reason, language) : ''}</td>
                  <td>
                    {device.since ? <time dateTime={new Date(device.since).toISOString()}>{dateTime.format(device.since)}</time> : ''}
                  </td>
                  <td>
                    {(device.commands ?? []).map((method) => (
                      <button
                        key={method}
                        type="button"
                        disabled={!canCommand}
                        aria-label={`${commandLabel(method, language)} ${deviceLabel(device)}`}
                        aria-expanded={form?.device === device && form.method === method ? true : undefined}
                        onClick={() => press(node, device, method)}
                      >
                        {commandLabel(method, language)}
                      </button>
                    ))}
                  </td>
                </tr>
              )),
            ])}
          </tbody>
        </table>
        {form && formSpec ? (
          <CommandForm
            key={`${form.node.node}/${form.device.device}/${form.method}`}
            spec={formSpec}
            title={`${t('commandParams', language)}: ${commandLabel(form.method, language)} ${deviceLabel(form.device)}`}
            language={language}
            onSend={(params) => send(form.node, form.device.device, form.method, params)}
            onCancel={() => setForm(undefined)}
          />
        ) : null}
        {error && <p role="alert">{error}</p>}
        {outcome ? (
          <p role="status" aria-label={t('commandOutcome', language)}>
            {commandLabel(outcome.method, language)} {outcome.device}: {statusLabel(outcome.status, language)}
            {outcome.error ? ` — ${outcome.error}` : ''}
          </p>
        ) : null}
      </section>
      {nodes
        .filter((node) => node.kind === 'kiosk')
        .flatMap((node) => [
          <KioskPeripherals key={`peripherals/${node.node}`} node={node} language={language} />,
          <KioskScreenshot key={`shot/${node.node}`} node={node} commands={commands} language={language} />,
        ])}
      {nodes.map((node) => {
        const rows = readings.filter((v) => v.node === node.node);
        return rows.length ? (
          <section key={node.node} className="wide">
            <ReadingsTable nodeKey={`${node.site}/${node.node}`} rows={rows} summary={node} language={language} />
            <div className="charts">
              {rows.map((row) => (
                <Chart key={keyOf(row)} reading={row} latest={values.get(keyOf(row))} language={language} />
              ))}
            </div>
          </section>
        ) : null;
      })}
      <section className="wide" aria-label={t('commandHistory', language)}>
        <table>
          <caption>{t('commandHistory', language)}</caption>
          <thead>
            <tr>
              <th scope="col">{t('updated', language)}</th>
              <th scope="col">{t('device', language)}</th>
              <th scope="col">{t('method', language)}</th>
              <th scope="col">{t('by', language)}</th>
              <th scope="col">{t('status', language)}</th>
              <th scope="col">{t('result', language)}</th>
            </tr>
          </thead>
          <tbody>
            {sent.slice(0, 50).map((command) => (
              <tr key={command.id}>
                <td>{time.format(command.createdAt)}</td>
                <td>{command.device}</td>
                <td>{commandLabel(command.method, language)}</td>
                <td>{command.by}</td>
                <td className={`command-${command.status}`}>{statusLabel(command.status, language)}</td>
                <td>{command.error ?? (command.result === undefined ? '' : JSON.stringify(command.result))}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </main>
  );
}
