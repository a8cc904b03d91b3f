import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { User } from '@parley/schema';
import { useClient } from '../../client/ClientContext.tsx';
import { Avatar } from '../../ui/Avatar.tsx';
import { startChat } from './startChat.ts';
import { usePeopleSearch } from './usePeopleSearch.ts';

/** Find someone by username and open the direct chat with them. */
export function NewChat({ onDone }: { onDone: () => void }) {
  const { t } = useTranslation();
  const client = useClient();
  const [query, setQuery] = useState('');
  const { results, error: searchError } = usePeopleSearch(query);
  const [error, setError] = useState<string | null>(null);
  const [opening, setOpening] = useState<string | null>(null);

  async function pick(user: User) {
    setOpening(user.id);
    try {
      await startChat(client, user.id);
      onDone();
    } catch {
      setError(t('people.openFailed'));
      setOpening(null);
    }
  }

  return (
    <div className="new-chat">
      <div className="search">
        <input
          type="search"
          autoFocus
          placeholder={t('people.find')}
          aria-label={t('people.find')}
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          onKeyDown={(e) => e.key === 'Escape' && onDone()}
        />
        <button className="link" onClick={onDone}>
          {t('people.cancel')}
        </button>
      </div>
      {(error || searchError) && <div className="notice error">{error || searchError}</div>}
      {results && results.length === 0 && <p className="list-empty muted">{t('people.nobody')}</p>}
      {results && results.length > 0 && (
        <ul className="people">
          {results.map((u) => (
            <li key={u.id}>
              <button className="person" onClick={() => void pick(u)} disabled={opening !== null} data-username={u.username}>
                <Avatar id={u.id} name={u.displayName || u.username} size={36} imageUrl={u.avatarUrl} />
                <span className="person-text">
                  <strong>{u.displayName || u.username}</strong>
                  <span className="muted">@{u.username}</span>
                </span>
                <span className="person-action">{opening === u.id ? t('people.opening') : t('people.message')}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
