import { useCallback, useEffect, useRef, useState } from 'react';
import { normalizeReceiptCode } from '../../core/receipt-code.js';
import type { Dossier } from '../../shared/content.js';
import type { SessionContext } from '../App.js';
import { formatDate } from '../i18n.js';
import { Keyboard } from '../Keyboard.js';
import { newKey } from '../keys.js';

/** Dossier lookup by typed or scanned receipt code, then a satisfaction rating tied to that dossier. */
export function DossierScreen({ context, initialCode }: { context: SessionContext; initialCode: string | undefined }) {
  const { t, api, lang, scan } = context;
  const [code, setCode] = useState(initialCode ?? '');
  const [dossier, setDossier] = useState<Dossier | undefined>();
  const [problem, setProblem] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const seenScan = useRef(scan);

  const lookup = useCallback(
    async (input: string) => {
      setDossier(undefined);
      const normalized = normalizeReceiptCode(input);
      if (!normalized) return setProblem(t.badCode);
      setBusy(true);
      try {
        const result = await api.dossier(normalized);
        if (result.ok) {
          setProblem(undefined);
          setDossier(result.dossier);
        } else setProblem(result.reason === 'bad-code' ? t.badCode : result.reason === 'not-found' ? t.notFound : t.lookupOffline);
      } catch {
        setProblem(t.lookupOffline);
      } finally {
        setBusy(false);
      }
    },
    [api, t],
  );

  // biome-ignore lint/correctness/useExhaustiveDependencies: the code a scan opened this screen with is looked up once, on arrival
  useEffect(() => {
    if (initialCode) void lookup(initialCode);
  }, []);
  useEffect(() => {
    if (scan === seenScan.current) return;
    seenScan.current = scan;
    if (scan?.kind === 'receipt') {
      setCode(scan.code);
      void lookup(scan.code);
    }
  }, [scan, lookup]);

  return (
    <section>
      <h1>{t.dossier}</h1>
      <p className="hint">{t.dossierHint}</p>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void lookup(code);
        }}
      >
        <label className="field">
          {t.dossierCode}
          <input inputMode="none" value={code} maxLength={40} autoComplete="off" onChange={(e) => setCode(e.target.value.toUpperCase())} />
        </label>
        {!dossier && (
          <Keyboard value={code} onChange={(value) => setCode(value.toUpperCase().slice(0, 40))} t={t} mode="code" target={t.dossierCode} />
        )}
        <button type="submit" className="primary" disabled={busy}>
          {t.lookup}
        </button>
      </form>
      {problem && (
        <p role="alert" className="notice">
          {problem}
        </p>
      )}
      {dossier && (
        <>
          <section aria-label={`${t.dossierCode} ${dossier.code}`} className="card">
            <h2>{dossier.procedureTitle}</h2>
            <p className={`status status-${dossier.status}`}>{t.status[dossier.status]}</p>
            <dl className="facts">
              <dt>{t.dossierCode}</dt>
              <dd>{dossier.code}</dd>
              <dt>{t.receivedAt}</dt>
              <dd>{formatDate(dossier.receivedAt, lang)}</dd>
              <dt>{t.dueAt}</dt>
              <dd>{formatDate(dossier.dueAt, lang)}</dd>
            </dl>
            {dossier.note && <p>{dossier.note}</p>}
          </section>
          <Rating context={context} dossierCode={dossier.code} />
        </>
      )}
    </section>
  );
}

function Rating({ context, dossierCode }: { context: SessionContext; dossierCode: string }) {
  const { t, api } = context;
  const [score, setScore] = useState<number | undefined>();
  const [done, setDone] = useState(false);
  const [problem, setProblem] = useState(false);
  const key = useRef(newKey('rating'));
  if (done)
    return (
      <p role="status" className="success">
        {t.ratingDone}
      </p>
    );
  return (
    <fieldset className="rating">
      <legend>{t.rateTitle}</legend>
      <div className="stars">
        {[1, 2, 3, 4, 5].map((n) => (
          <button
            type="button"
            key={n}
            aria-pressed={score === n}
            aria-label={`${t.rate(n)}: ${t.rateNames[n - 1]}`}
            onClick={() => setScore(n)}
          >
            {'★'.repeat(n)}
            <span className="star-name">{t.rateNames[n - 1]}</span>
          </button>
        ))}
      </div>
      {problem && <p role="alert">{t.error}</p>}
      <button
        type="button"
        className="primary"
        disabled={score === undefined}
        onClick={() =>
          api.submit({ kind: 'rating', key: key.current, data: { dossierCode, score: score! } }).then(
            (result) => (result.ok ? setDone(true) : setProblem(true)),
            () => setProblem(true),
          )
        }
      >
        {t.sendRating}
      </button>
    </fieldset>
  );
}
