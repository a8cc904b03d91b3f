import { AuthScreen } from './features/auth/AuthScreen.tsx';
import { ChatShell } from './features/ChatShell.tsx';
import { useSession } from './stores/session.ts';
import { useSettings } from './stores/settings.ts';

export function App() {
  const userId = useSession((s) => s.session?.user.id ?? null);
  // Re-render everything when the language changes (dates are formatted outside React too).
  const language = useSettings((s) => s.language);
  if (!userId) return <AuthScreen key={language} />;
  // One client per signed-in user: a token refresh must not rebuild it.
  return <ChatShell key={userId} />;
}
