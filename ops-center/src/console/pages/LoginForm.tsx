import { type FormEvent, useState } from 'react';
import { api, HttpError } from '../api.js';
import { type Language, t } from '../i18n.js';

export function LoginForm({ language, onLoggedIn }: { language: Language; onLoggedIn: () => void }) {
  const [error, setError] = useState<string | undefined>();
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    try {
      await api('api/login', { method: 'POST', body: { username: form.get('username'), password: form.get('password') } });
      setError(undefined);
      onLoggedIn();
    } catch (failure) {
      if (failure instanceof HttpError && failure.status === 401) setError(t('wrongLogin', language));
      else if (failure instanceof HttpError && failure.status === 429) setError(`${t('tooManyLogins', language)} (${failure.message})`);
      else setError((failure as Error).message);
    }
  };
  return (
    <main className="single">
      <form className="login" onSubmit={submit} aria-label={t('login', language)}>
        <h2>{t('login', language)}</h2>
        <label>
          {t('username', language)}
          <input name="username" autoComplete="username" required />
        </label>
        <label>
          {t('password', language)}
          <input name="password" type="password" autoComplete="current-password" required />
        </label>
        {error && <p role="alert">{error}</p>}
        <button type="submit">{t('login', language)}</button>
      </form>
    </main>
  );
}
