import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { User } from '@parley/schema';
import { useClient } from '../../client/ClientContext.tsx';
import { useMe } from '../../stores/session.ts';

/** Users whose username or display name contains the query (not the caller), debounced. */
export function usePeopleSearch(query: string): { results: User[] | null; error: string | null } {
  const client = useClient();
  const me = useMe();
  const { t } = useTranslation();
  const [results, setResults] = useState<User[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const q = query.trim();
    if (!q) {
      setResults(null);
      return;
    }
    let current = true;
    const timer = setTimeout(() => {
      client.searchUsers(q).then(
        (users) => {
          if (!current) return;
          setResults(users.filter((u) => u.id !== me.id));
          setError(null);
        },
        () => current && setError(t('people.searchFailed')),
      );
    }, 200);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [client, query, me.id, t]);
  return { results, error };
}
