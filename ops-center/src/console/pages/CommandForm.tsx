import { type FormEvent, useState } from 'react';
import { type CommandSpec, checkParams, type ParamProblem, type ParamSpec } from '../../commands/params.js';
import type { Language } from '../i18n.js';
import { paramLabel, t } from '../i18n.js';

const problemText: Record<ParamProblem['problem'] | 'choose', Record<Language, (label: string, problem: ParamProblem) => string>> = {
  required: { vi: (l) => `Cần nhập ${l}.`, en: (l) => `${l} is required.` },
  /** `required` of a list: nothing to type, something to choose. */
  choose: { vi: (l) => `Hãy chọn ${l}.`, en: (l) => `Choose ${l}.` },
  number: { vi: (l) => `${l} phải là một số.`, en: (l) => `${l} must be a number.` },
  integer: { vi: (l) => `${l} phải là số nguyên.`, en: (l) => `${l} must be a whole number.` },
  min: {
    vi: (l, p) => `${l} phải từ ${(p as { limit: number }).limit} trở lên.`,
    en: (l, p) => `${l} must be at least ${(p as { limit: number }).limit}.`,
  },
  max: {
    vi: (l, p) => `${l} không được lớn hơn ${(p as { limit: number }).limit}.`,
    en: (l, p) => `${l} must be at most ${(p as { limit: number }).limit}.`,
  },
  enum: {
    vi: (l, p) => `Chọn ${l} trong danh sách: ${(p as { values: string[] }).values.join(', ')}.`,
    en: (l, p) => `Choose ${l} from the list: ${(p as { values: string[] }).values.join(', ')}.`,
  },
  boolean: { vi: (l) => `${l} phải là có hoặc không.`, en: (l) => `${l} must be yes or no.` },
  text: { vi: (l) => `${l} phải là chữ.`, en: (l) => `${l} must be text.` },
  control: { vi: (l) => `${l} không được chứa ký tự điều khiển.`, en: (l) => `${l} must not contain control characters.` },
  unknown: { vi: (l) => `Lệnh không nhận tham số ${l}.`, en: (l) => `The command takes no parameter ${l}.` },
};

function message(problem: ParamProblem, spec: ParamSpec | undefined, language: Language): string {
  const kind = problem.problem === 'required' && spec?.type === 'enum' ? 'choose' : problem.problem;
  return problemText[kind][language](paramLabel(problem.param, language), problem);
}

/** Form text → the JSON value the API expects; an empty optional field is left out. */
function paramValue(spec: ParamSpec, raw: string | boolean | undefined): unknown {
  if (spec.type === 'boolean') return raw === true;
  if (raw === undefined || raw === '') return undefined;
  if (spec.type === 'number' || spec.type === 'integer') return Number(raw);
  return raw;
}

/**
 * Parameters of one command, as the device's profile declares them: number fields with their range, a list for
 * enumerations. Checked here with the same rules as the API and the edge (commands/params.ts), so the operator
 * reads what is wrong next to the field; the API checks again and its refusal is shown as well.
 */
export function CommandForm({
  spec,
  title,
  language,
  onSend,
  onCancel,
}: {
  spec: CommandSpec;
  title: string;
  language: Language;
  onSend(params: Record<string, unknown>): Promise<void>;
  onCancel(): void;
}) {
  const [raw, setRaw] = useState<Record<string, string | boolean>>({});
  const [problems, setProblems] = useState<ParamProblem[]>([]);
  const [busy, setBusy] = useState(false);
  const entries = Object.entries(spec.params);
  const idOf = (name: string) => `param-${spec.name}-${name}`;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const params: Record<string, unknown> = {};
    for (const [name, p] of entries) {
      const value = paramValue(p, raw[name]);
      if (value !== undefined) params[name] = value;
    }
    const found = checkParams(spec, params);
    setProblems(found);
    if (found.length) {
      document.getElementById(idOf(found[0]!.param))?.focus();
      return;
    }
    setBusy(true);
    try {
      await onSend(params);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="command-form" aria-label={title} noValidate onSubmit={submit}>
      <h3>{title}</h3>
      {spec.description ? <p>{spec.description}</p> : null}
      {entries.map(([name, p]) => {
        const label = paramLabel(name, language);
        const problem = problems.find((x) => x.param === name);
        const hint = [
          p.min !== undefined || p.max !== undefined ? `${p.min ?? '…'} – ${p.max ?? '…'}` : '',
          p.required ? '' : t('optional', language),
        ]
          .filter(Boolean)
          .join(' · ');
        const common = {
          id: idOf(name),
          name,
          'aria-invalid': problem ? true : undefined,
          'aria-describedby': problem ? `${idOf(name)}-error` : undefined,
        } as const;
        return (
          <div key={name} className="field">
            <label htmlFor={idOf(name)}>
              {label}
              {hint ? <small> ({hint})</small> : null}
            </label>
            {p.type === 'enum' ? (
              <select {...common} value={String(raw[name] ?? '')} onChange={(e) => setRaw({ ...raw, [name]: e.target.value })}>
                <option value="">{t('choose', language)}</option>
                {(p.values ?? []).map((value) => (
                  <option key={value} value={value}>
                    {value}
                  </option>
                ))}
              </select>
            ) : p.type === 'boolean' ? (
              <input
                {...common}
                type="checkbox"
                checked={raw[name] === true}
                onChange={(e) => setRaw({ ...raw, [name]: e.target.checked })}
              />
            ) : (
              <input
                {...common}
                type={p.type === 'string' ? 'text' : 'number'}
                inputMode={p.type === 'integer' ? 'numeric' : undefined}
                min={p.min}
                max={p.max}
                step={p.type === 'integer' ? 1 : p.type === 'number' ? 'any' : undefined}
                value={String(raw[name] ?? '')}
                onChange={(e) => setRaw({ ...raw, [name]: e.target.value })}
              />
            )}
            {p.description ? <small className="hint">{p.description}</small> : null}
            {problem ? (
              <span id={`${idOf(name)}-error`} className="field-error">
                {message(problem, p, language)}
              </span>
            ) : null}
          </div>
        );
      })}
      {problems.length ? (
        // Announced once for screen readers; sighted operators read each message under its field.
        <p role="alert" className="visually-hidden">
          {problems.map((problem) => message(problem, spec.params[problem.param], language)).join(' ')}
        </p>
      ) : null}
      <p>
        <button type="submit" disabled={busy}>
          {t('sendCommand', language)}
        </button>{' '}
        <button type="button" onClick={onCancel}>
          {t('cancel', language)}
        </button>
      </p>
    </form>
  );
}
