import { useCallback } from 'react';
import { useTranslation } from 'react-i18next';
import type { User } from '@parley/schema';
import type { ConversationView } from '@parley/client/sdk';
import { useConversationDetail, useConversations } from '../stores/conversations.ts';
import { useMe } from '../stores/session.ts';

/** Names of the people in a conversation: "You", the peer, the members the server listed. */
export function useNames(conversation: ConversationView | null): (userId: string) => string {
  const me = useMe();
  const { t } = useTranslation();
  const detail = useConversationDetail(conversation?.id ?? null);
  const people = useConversations((s) => s.people);
  return useCallback(
    (userId: string) => {
      if (userId === me.id) return t('names.you');
      if (conversation?.peer?.id === userId) return displayName(conversation.peer);
      const member = detail?.members.find((m) => m.id === userId) ?? people[userId];
      return member ? displayName(member) : t('names.someone');
    },
    [me.id, conversation?.peer, detail, people, t],
  );
}

export function displayName(user: Pick<User, 'displayName' | 'username'>): string {
  return user.displayName || user.username;
}
