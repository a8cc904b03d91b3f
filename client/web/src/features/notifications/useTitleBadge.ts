import { useEffect } from 'react';
import { unreadTotal, useConversations } from '../../stores/conversations.ts';

/** The tab title carries the unread total of conversations that are not muted: "(3) Parley". */
export function useTitleBadge(): void {
  const total = useConversations((s) => unreadTotal(s.list));
  useEffect(() => {
    document.title = total > 0 ? `(${total > 99 ? '99+' : total}) Parley` : 'Parley';
  }, [total]);
}
