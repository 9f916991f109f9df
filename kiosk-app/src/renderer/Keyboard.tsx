import { useState } from 'react';
import { applyKey, type InputMethod, setTone, type Tone } from '../core/vietnamese-input.js';
import type { Strings } from './i18n.js';

const LETTER_ROWS = ['1234567890', 'qwertyuiop', 'asdfghjkl', 'zxcvbnm'];
const TONES: Tone[] = ['acute', 'grave', 'hook', 'tilde', 'dot', 'none'];
const TONE_SIGNS: Record<Tone, string> = { acute: 'á', grave: 'à', hook: 'ả', tilde: 'ã', dot: 'ạ', none: 'a' };

interface Props {
  value: string;
  onChange(value: string): void;
  t: Strings;
  /** 'numeric' shows the number pad only (phone numbers, dates). */
  mode?: 'text' | 'numeric' | 'code';
  /** The field this keyboard types into, for its accessible name. */
  target: string;
}

/** The on-screen keyboard: large keys, Telex or VNI with a tone picker, or a number pad where a number is asked. */
export function Keyboard({ value, onChange, t, mode = 'text', target }: Props) {
  const [method, setMethod] = useState<InputMethod>(mode === 'code' ? 'off' : 'telex');
  const [shift, setShift] = useState(false);
  // Shift is one-shot, like a phone keyboard: the next letter is a capital, then back to lower case.
  const press = (key: string) => {
    onChange(applyKey(value, shift ? key.toUpperCase() : key, method));
    setShift(false);
  };
  const controls = (
    <>
      <button type="button" className="key wide" aria-label={t.backspace} onClick={() => onChange(Array.from(value).slice(0, -1).join(''))}>
        ⌫
      </button>
      <button type="button" className="key wide" onClick={() => onChange('')}>
        {t.clear}
      </button>
    </>
  );
  if (mode === 'numeric') {
    return (
      <fieldset className="keyboard numeric" aria-label={`${t.numericPad}: ${target}`}>
        {'123456789'.split('').map((digit) => (
          <button type="button" key={digit} className="key" onClick={() => onChange(value + digit)}>
            {digit}
          </button>
        ))}
        <button type="button" className="key" onClick={() => onChange(`${value}0`)}>
          0
        </button>
        {controls}
      </fieldset>
    );
  }
  return (
    <fieldset className="keyboard" aria-label={`${t.keyboard}: ${target}`}>
      {mode === 'text' && (
        <div className="key-row">
          <span className="method-label">{t.method}</span>
          {(['telex', 'vni'] as const).map((name) => (
            <button type="button" key={name} className="key wide" aria-pressed={method === name} onClick={() => setMethod(name)}>
              {name.toUpperCase()}
            </button>
          ))}
          {TONES.map((tone) => (
            <button type="button" key={tone} className="key" aria-label={t.tones[tone]} onClick={() => onChange(setTone(value, tone))}>
              {TONE_SIGNS[tone]}
            </button>
          ))}
        </div>
      )}
      {LETTER_ROWS.map((row) => (
        <div className="key-row" key={row}>
          {row.split('').map((key) => (
            <button type="button" key={key} className="key" aria-label={shift ? key.toUpperCase() : key} onClick={() => press(key)}>
              {shift ? key.toUpperCase() : key}
            </button>
          ))}
        </div>
      ))}
      <div className="key-row">
        <button type="button" className="key wide" aria-pressed={shift} onClick={() => setShift(!shift)}>
          ⇧ {t.shift}
        </button>
        {mode === 'code' ? (
          ['.', '-'].map((key) => (
            <button type="button" key={key} className="key" onClick={() => onChange(value + key)}>
              {key}
            </button>
          ))
        ) : (
          <button type="button" className="key space" onClick={() => onChange(`${value} `)}>
            {t.space}
          </button>
        )}
        {controls}
      </div>
    </fieldset>
  );
}
