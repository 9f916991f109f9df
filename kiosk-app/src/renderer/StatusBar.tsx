import type { Catalog } from '../shared/content.js';
import { formatTime, type Lang, type Strings } from './i18n.js';

export function StatusBar(props: {
  t: Strings;
  lang: Lang;
  catalog: Catalog;
  large: boolean;
  contrast: boolean;
  onLang(): void;
  onLarge(): void;
  onContrast(): void;
  onEnd(): void;
}) {
  const { t, lang, catalog } = props;
  return (
    <header className="bar">
      <p className="freshness" role="status">
        {catalog.updatedAt !== undefined && t.updatedAt(formatTime(catalog.updatedAt, lang))}
        {catalog.stale && catalog.updatedAt !== undefined && <span className="stale"> · {t.offline}</span>}
      </p>
      <div className="bar-buttons">
        <button type="button" aria-label={t.languageLabel} lang={lang === 'vi' ? 'en' : 'vi'} onClick={props.onLang}>
          {t.language}
        </button>
        <button type="button" aria-pressed={props.large} onClick={props.onLarge}>
          {t.textSize}
        </button>
        <button type="button" aria-pressed={props.contrast} onClick={props.onContrast}>
          {t.contrast}
        </button>
        <button type="button" className="end" onClick={props.onEnd}>
          {t.endSession}
        </button>
      </div>
    </header>
  );
}
