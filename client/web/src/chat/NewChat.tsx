import { useEffect, useState } from 'react';
import type { User } from '@parley/schema';
import { ParleyError } from '@parley/client/sdk';
import { Avatar } from './Avatar.tsx';

/** Find someone by username and open the direct chat with them. */
export function NewChat({ me, search, onPick, onCancel }: {
  me: User;
  search: (q: string) => Promise<User[]>;
  onPick: (user: User) => Promise<void>;
  onCancel: () => void;
}) {
  const [query, setQuery] = useState('');
  const [results, setResults] = useState<User[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [opening, setOpening] = useState<string | null>(null);

  useEffect(() => {
    const q = query.trim();
    if (q.length === 0) {
      setResults(null);
      return;
    }
    let current = true;
    const timer = setTimeout(() => {
      search(q)
        .then((users) => {
          if (!current) return;
          setResults(users.filter((u) => u.id !== me.id));
          setError(null);
        })
        .catch((e: unknown) => current && setError(e instanceof ParleyError ? e.message : 'Search failed.'));
    }, 200);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [query, me.id, search]);

  async function pick(user: User) {
    setOpening(user.id);
    try {
      await onPick(user);
    } catch (e) {
      setError(e instanceof ParleyError ? e.message : 'Could not open the chat.');
      setOpening(null);
    }
  }

  return (
    <div className="new-chat">
      <div className="search">
        <input
          type="search"
          autoFocus
          placeholder="Find people by username"
          aria-label="Find people by username"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          onKeyDown={(e) => e.key === 'Escape' && onCancel()}
        />
        <button className="link" onClick={onCancel}>
          Cancel
        </button>
      </div>
      {error && <div className="notice error">{error}</div>}
      {results && results.length === 0 && <p className="list-empty muted">Nobody by that name.</p>}
      {results && results.length > 0 && (
        <ul className="people">
          {results.map((u) => (
            <li key={u.id}>
              <button className="person" onClick={() => pick(u)} disabled={opening !== null} data-username={u.username}>
                <Avatar id={u.id} name={u.displayName || u.username} size={36} />
                <span className="person-text">
                  <strong>{u.displayName || u.username}</strong>
                  <span className="muted">@{u.username}</span>
                </span>
                <span className="person-action">{opening === u.id ? 'Opening…' : 'Message'}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
