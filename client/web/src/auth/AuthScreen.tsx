import { useState, type FormEvent } from 'react';
import { LIMITS } from '@parley/schema';
import { ParleyClient, ParleyError } from '@parley/client/sdk';
import { saveSession, type Session } from '../session.ts';

type Mode = 'login' | 'register';

export function AuthScreen({ onSignedIn }: { onSignedIn: (session: Session) => void }) {
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
      onSignedIn(saveSession(auth));
    } catch (e) {
      setError(explain(e, mode));
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
        <div className="brand">
          <Logo />
          <span>Parley</span>
        </div>
        <h1 id="auth-title">{mode === 'login' ? 'Welcome back' : 'Create your account'}</h1>
        <p className="muted">{mode === 'login' ? 'Sign in to pick up your conversations.' : 'Your messages stay on your own server.'}</p>

        <div className="tabs" role="tablist">
          <button type="button" role="tab" aria-selected={mode === 'login'} className={mode === 'login' ? 'active' : ''} onClick={() => switchTo('login')}>
            Sign in
          </button>
          <button type="button" role="tab" aria-selected={mode === 'register'} className={mode === 'register' ? 'active' : ''} onClick={() => switchTo('register')}>
            Register
          </button>
        </div>

        <form onSubmit={submit} noValidate={false}>
          <label>
            Username
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
                Display name <span className="muted optional">(optional)</span>
              </span>
              <input name="displayName" autoComplete="name" maxLength={LIMITS.displayNameMaxLength} value={displayName} onChange={(e) => setDisplayName(e.target.value)} />
            </label>
          )}
          <label>
            Password
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
          {mode === 'register' && <p className="hint">At least {LIMITS.passwordMinLength} characters.</p>}
          {error && (
            <p className="form-error" role="alert">
              {error}
            </p>
          )}
          <button className="primary" type="submit" disabled={busy}>
            {busy ? 'Please wait…' : mode === 'login' ? 'Sign in' : 'Create account'}
          </button>
        </form>
      </section>
    </main>
  );
}

function explain(error: unknown, mode: Mode): string {
  if (!(error instanceof ParleyError)) return 'Something went wrong. Please try again.';
  if (error.code === 'USERNAME_TAKEN' || (mode === 'register' && error.code === 'CONFLICT')) return 'That username is taken. Try another one.';
  if (mode === 'login' && error.code === 'AUTH_FAILED') return 'Wrong username or password.';
  if (error.code === 'RATE_LIMITED') return 'Too many attempts. Wait a few minutes and try again.';
  if (error.code === 'CONNECTION_FAILED') return 'The server cannot be reached. Check your connection.';
  return error.message;
}

export function Logo({ size = 32 }: { size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 64 64" aria-hidden="true">
      <rect width="64" height="64" rx="16" fill="currentColor" />
      <path d="M18 20h28a6 6 0 0 1 6 6v12a6 6 0 0 1-6 6H30l-9 7v-7h-3a6 6 0 0 1-6-6V26a6 6 0 0 1 6-6z" fill="#fff" />
    </svg>
  );
}
