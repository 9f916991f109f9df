import { useRef, useState } from 'react';
import type { FeedbackInput } from '../../shared/content.js';
import type { SessionContext } from '../App.js';
import { Keyboard } from '../Keyboard.js';
import { newKey } from '../keys.js';

export function FeedbackScreen({ context }: { context: SessionContext }) {
  const { t, api, go } = context;
  const [topic, setTopic] = useState<FeedbackInput['topic']>('kiosk');
  const [message, setMessage] = useState('');
  const [problem, setProblem] = useState<string | undefined>();
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);
  const key = useRef(newKey('feedback'));
  if (done)
    return (
      <section>
        <h1>{t.feedback}</h1>
        <p role="status" className="success">
          {t.feedbackDone}
        </p>
        <button type="button" className="primary" onClick={() => go({ name: 'home' })}>
          {t.done}
        </button>
      </section>
    );
  const submit = async () => {
    if (busy) return;
    if (message.trim() === '') return setProblem(t.needMessage);
    setBusy(true);
    try {
      const result = await api.submit({ kind: 'feedback', key: key.current, data: { topic, message: message.trim() } });
      if (result.ok) setDone(true);
      else setProblem(t.needMessage);
    } catch {
      setProblem(t.error);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section>
      <h1>{t.feedback}</h1>
      <fieldset className="chips">
        <legend>{t.feedbackTopic}</legend>
        {(Object.keys(t.topics) as FeedbackInput['topic'][]).map((name) => (
          <button type="button" key={name} aria-pressed={topic === name} onClick={() => setTopic(name)}>
            {t.topics[name]}
          </button>
        ))}
      </fieldset>
      <label className="field">
        {t.feedbackMessage}
        <textarea inputMode="none" value={message} maxLength={2000} rows={3} onChange={(e) => setMessage(e.target.value)} />
      </label>
      <Keyboard value={message} onChange={(value) => setMessage(value.slice(0, 2000))} t={t} target={t.feedbackMessage} />
      {problem && (
        <p role="alert" className="notice">
          {problem}
        </p>
      )}
      <button type="button" className="primary" disabled={busy} onClick={() => void submit()}>
        {t.sendFeedback}
      </button>
    </section>
  );
}
