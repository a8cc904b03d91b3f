import { useEffect, useState } from 'react';
import type { ConversationHandle } from '@parley/client/sdk';

/** Who is typing in the open conversation (user ids, from the server-stamped awareness). */
export function useTyping(handle: ConversationHandle | null): string[] {
  const [typing, setTyping] = useState<string[]>([]);
  useEffect(() => {
    if (!handle) return setTyping([]);
    setTyping(handle.typingUsers());
    return handle.on('typing', (ids) => setTyping([...ids]));
  }, [handle]);
  return typing;
}
