import { useEffect, useRef, useState } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { api, type LatestValue } from '../api.js';
import { formats, type Language, readingLabel, t } from '../i18n.js';

const WINDOW_MS = 60 * 60_000;

/** A live uPlot line of one reading: the last hour from /api/series, then every value pushed over SSE. */
export function Chart({
  reading,
  latest,
  language,
}: {
  reading: Omit<LatestValue, 'value' | 'ts'>;
  latest?: LatestValue;
  language: Language;
}) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const data = useRef<[number[], number[]]>([[], []]);
  const [points, setPoints] = useState(0);
  const { site, node, device, name, unit } = reading;

  useEffect(() => {
    let cancelled = false;
    const element = box.current!;
    const chart = new uPlot(
      {
        width: Math.max(element.clientWidth, 280),
        height: 160,
        series: [{}, { label: `${readingLabel(name, language)}${unit ? ` (${unit})` : ''}`, stroke: '#1f6feb', width: 2 }],
        axes: [{}, { size: 50 }],
        // The same clock as the tables: Vietnam time, whatever the browser's zone.
        tzDate: (seconds) => uPlot.tzDate(new Date(seconds * 1000), 'Asia/Ho_Chi_Minh'),
        legend: { show: true },
      },
      [[], []],
      element,
    );
    plot.current = chart;
    const query = new URLSearchParams({ site, node, device, name, from: String(Date.now() - WINDOW_MS) });
    api<[number, number][]>(`api/series?${query}`).then(
      (points) => {
        if (cancelled) return;
        // uPlot wants seconds on the x axis.
        const merged = new Map<number, number>(points.map(([ts, value]) => [ts / 1000, value]));
        for (const [i, x] of data.current[0].entries()) merged.set(x, data.current[1][i]!);
        const xs = [...merged.keys()].sort((a, b) => a - b);
        data.current = [xs, xs.map((x) => merged.get(x)!)];
        chart.setData(data.current);
        setPoints(xs.length);
      },
      () => undefined,
    );
    return () => {
      cancelled = true;
      chart.destroy();
      plot.current = null;
    };
  }, [site, node, device, name, unit, language]);

  useEffect(() => {
    if (!latest || !plot.current) return;
    const [xs, ys] = data.current;
    const x = latest.ts / 1000;
    if (xs.length && xs[xs.length - 1]! >= x) return;
    xs.push(x);
    ys.push(latest.value);
    while (xs.length && xs[0]! < x - WINDOW_MS / 1000) {
      xs.shift();
      ys.shift();
    }
    plot.current.setData([xs, ys]);
    setPoints(xs.length);
  }, [latest]);

  const label = readingLabel(name, language);
  return (
    <figure className="chart" aria-label={`${t('chartOf', language)} ${label} ${device}`}>
      <div ref={box} />
      {/* The canvas says nothing to a screen reader; the caption does. */}
      <figcaption>
        {label}: {latest ? `${formats(language).number.format(latest.value)}${unit ? ` ${unit}` : ''}` : '–'} · {points}{' '}
        {t('pointsLastHour', language)}
      </figcaption>
    </figure>
  );
}
