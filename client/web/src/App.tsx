import { useEffect, useState } from 'react';
import { AuthScreen } from './auth/AuthScreen.tsx';
import { ChatShell } from './chat/ChatShell.tsx';
import { loadSession, onSignedOut, type Session } from './session.ts';

export function App() {
  const [session, setSession] = useState<Session | null>(loadSession);

  useEffect(() => onSignedOut(() => setSession(null)), []);

  if (!session) return <AuthScreen onSignedIn={setSession} />;
  return <ChatShell key={session.user.id} session={session} />;
}
