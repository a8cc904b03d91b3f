import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import { LIMITS } from '@parley/schema';
import { ParleyClient, ParleyError } from '@parley/client/sdk';
import { useSession } from '../../stores/session.ts';
import { Logo } from '../../ui/Logo.tsx';
import { LanguageSwitch } from '../settings/LanguageSwitch.tsx';

type Mode = 'login' | 'register';

export function AuthScreen() {
  const { t } = useTranslation();
  const signIn = useSession((s) => s.signIn);
  const [mode, setMode] = useState<Mode>('login');
  const [username, setUsername] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const name = username.trim();
      const auth =
        mode === 'login'
          ? await ParleyClient.login(location.origin, { username: name, password })
          : await ParleyClient.register(location.origin, { username: name, password, ...(displayName.trim() ? { displayName: displayName.trim() } : {}) });
      signIn(auth);
    } catch (e) {
      setError(explain(e, mode, t));
      setBusy(false);
    }
  }

  function switchTo(next: Mode) {
    setMode(next);
    setError(null);
  }

  return (
    <main className="auth">
      <section className="auth-card" aria-labelledby="auth-title">
        <div className="auth-top">
          <div className="brand">
            <Logo />
            <span>{t('app.name')}</span>
          </div>
          <LanguageSwitch />
        </div>
        <h1 id="auth-title">{mode === 'login' ? t('auth.welcomeBack') : t('auth.createAccount')}</h1>
        <p className="muted">{mode === 'login' ? t('auth.signInLead') : t('auth.registerLead')}</p>

        <div className="tabs" role="tablist">
          <button type="button" role="tab" aria-selected={mode === 'login'} className={mode === 'login' ? 'active' : ''} onClick={() => switchTo('login')}>
            {t('auth.signIn')}
          </button>
          <button type="button" role="tab" aria-selected={mode === 'register'} className={mode === 'register' ? 'active' : ''} onClick={() => switchTo('register')}>
            {t('auth.register')}
          </button>
        </div>

        <form onSubmit={submit} noValidate={false}>
          <label>
            {t('auth.username')}
            <input
              name="username"
              autoComplete="username"
              autoFocus
              required
              minLength={mode === 'register' ? LIMITS.usernameMinLength : undefined}
              maxLength={LIMITS.usernameMaxLength}
              value={username}
              onChange={(e) => setUsername(e.target.value)}
            />
          </label>
          {mode === 'register' && (
            <label>
              <span>
                {t('auth.displayName')} <span className="muted optional">{t('auth.optional')}</span>
              </span>
              <input name="displayName" autoComplete="name" maxLength={LIMITS.displayNameMaxLength} value={displayName} onChange={(e) => setDisplayName(e.target.value)} />
            </label>
          )}
          <label>
            {t('auth.password')}
            <input
              name="password"
              type="password"
              autoComplete={mode === 'login' ? 'current-password' : 'new-password'}
              required
              minLength={mode === 'register' ? LIMITS.passwordMinLength : undefined}
              maxLength={LIMITS.passwordMaxLength}
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          </label>
          {mode === 'register' && <p className="hint">{t('auth.passwordHint', { count: LIMITS.passwordMinLength })}</p>}
          {error && (
            <p className="form-error" role="alert">
              {error}
            </p>
          )}
          <button className="primary" type="submit" disabled={busy}>
            {busy ? t('auth.wait') : mode === 'login' ? t('auth.signIn') : t('auth.createButton')}
          </button>
        </form>
      </section>
    </main>
  );
}

function explain(error: unknown, mode: Mode, t: TFunction): string {
  if (!(error instanceof ParleyError)) return t('auth.errors.generic');
  if (error.code === 'USERNAME_TAKEN' || (mode === 'register' && error.code === 'CONFLICT')) return t('auth.errors.taken');
  if (mode === 'login' && error.code === 'AUTH_FAILED') return t('auth.errors.wrong');
  if (error.code === 'RATE_LIMITED') return t('auth.errors.rateLimited');
  if (error.code === 'CONNECTION_FAILED') return t('auth.errors.unreachable');
  return error.message;
}
