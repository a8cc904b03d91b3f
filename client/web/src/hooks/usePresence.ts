import { useEffect, useState } from 'react';
import { useClient } from '../client/ClientContext.tsx';
import { usePresenceKnown } from '../stores/connection.ts';

/** true / false while connected; undefined (unknown) while offline, never a stale "online". */
export function usePresence(userId: string | null | undefined): boolean | undefined {
  const client = useClient();
  const known = usePresenceKnown();
  const [online, setOnline] = useState(() => (userId ? client.isOnline(userId) : false));
  useEffect(() => {
    if (!userId) return;
    setOnline(client.isOnline(userId));
    return client.on('presence', (id, on) => id === userId && setOnline(on));
  }, [client, userId]);
  if (!userId) return undefined;
  return known ? online : undefined;
}
