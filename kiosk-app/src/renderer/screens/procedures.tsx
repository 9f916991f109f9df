import { useMemo, useState } from 'react';
import { foldVietnamese } from '../../core/fold.js';
import type { SessionContext } from '../App.js';

export function ProcedureList({ context }: { context: SessionContext }) {
  const { t, catalog, go, lang } = context;
  const [level, setLevel] = useState<string | undefined>();
  const levels = useMemo(() => [...new Set(catalog.procedures.map((p) => p.level))], [catalog]);
  const procedures = catalog.procedures
    .filter((p) => !level || p.level === level)
    .sort((a, b) => foldVietnamese(a.title).localeCompare(foldVietnamese(b.title)));
  return (
    <>
      <h1>{t.procedures}</h1>
      <fieldset className="chips">
        <legend>{lang === 'vi' ? 'Cấp giải quyết' : 'Level'}</legend>
        <button type="button" aria-pressed={level === undefined} onClick={() => setLevel(undefined)}>
          {t.all}
        </button>
        {levels.map((name) => (
          <button type="button" key={name} aria-pressed={level === name} onClick={() => setLevel(name)}>
            {name}
          </button>
        ))}
      </fieldset>
      <ul className="list" aria-label={t.procedures}>
        {procedures.map((procedure) => (
          <li key={procedure.id}>
            <button type="button" className="row" onClick={() => go({ name: 'procedure', id: procedure.id })}>
              {procedure.title}
              <span className="meta"> · {procedure.level}</span>
            </button>
          </li>
        ))}
      </ul>
    </>
  );
}

export function ProcedureDetail({ context, id }: { context: SessionContext; id: string }) {
  const { t, procedureById, go } = context;
  const procedure = procedureById(id);
  if (!procedure) return <p role="alert">{t.error}</p>;
  return (
    <article>
      <h1>{procedure.title}</h1>
      <p className="meta">
        {procedure.code} · {procedure.level}
      </p>
      <h2>{t.procedureSteps}</h2>
      <ol>
        {procedure.steps.map((step) => (
          <li key={step}>{step}</li>
        ))}
      </ol>
      <h2>{t.procedureDocuments}</h2>
      <ul>
        {procedure.documents.map((document) => (
          <li key={document}>{document}</li>
        ))}
      </ul>
      <dl className="facts">
        <dt>{t.procedureAgency}</dt>
        <dd>{procedure.agency}</dd>
        <dt>{t.procedureWhere}</dt>
        <dd>{procedure.whereToSubmit}</dd>
        <dt>{t.procedureTime}</dt>
        <dd>{procedure.processingTime}</dd>
        <dt>{t.procedureFee}</dt>
        <dd>{procedure.fee}</dd>
        <dt>{t.procedureResult}</dt>
        <dd>{procedure.result}</dd>
      </dl>
      <button type="button" onClick={() => go({ name: 'dossier' })}>
        {t.dossier}
      </button>
    </article>
  );
}
