import { useEffect, useState } from 'react';
import { api, type Command, type NodeSummary, type ScreenshotMeta } from '../api.js';
import { formats, type Language, t } from '../i18n.js';

/**
 * The kiosk's latest screenshot (the `screenshot` remote command's image, kept by the ops-center). Reloaded
 * when a screenshot command of this kiosk finishes, which the live updates report.
 */
export function KioskScreenshot({ node, commands, language }: { node: NodeSummary; commands: Map<string, Command>; language: Language }) {
  const [meta, setMeta] = useState<ScreenshotMeta | undefined>();
  const { dateTime, number } = formats(language);
  const latestDone = [...commands.values()]
    .filter((c) => c.site === node.site && c.node === node.node && c.method === 'screenshot' && c.status === 'done')
    .reduce((latest, c) => Math.max(latest, c.finishedAt ?? 0), 0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `latestDone` is the trigger: a new capture finished.
  useEffect(() => {
    api<ScreenshotMeta[]>('api/screenshots').then(
      (list) => setMeta(list.find((shot) => shot.site === node.site && shot.node === node.node)),
      () => undefined,
    );
  }, [node.site, node.node, latestDone]);
  const name = `${t('screenshotOf', language)} ${node.node}`;
  return (
    <section className="wide" aria-label={name}>
      <h3>{name}</h3>
      {meta ? (
        <figure className="screenshot">
          <img
            src={`api/screenshots/${encodeURIComponent(node.site)}/${encodeURIComponent(node.node)}?v=${encodeURIComponent(meta.commandId)}`}
            alt={`${name}, ${t('capturedAt', language)} ${dateTime.format(meta.ts)}`}
          />
          <figcaption>
            {t('capturedAt', language)} {dateTime.format(meta.ts)} · {number.format(meta.bytes / 1024)} KB
          </figcaption>
        </figure>
      ) : (
        <p>{t('noScreenshot', language)}</p>
      )}
    </section>
  );
}
