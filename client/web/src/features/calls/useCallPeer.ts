import { useTranslation } from 'react-i18next';
import { useConversations, useConversationView } from '../../stores/conversations.ts';
import { displayName } from '../../hooks/useNames.ts';

/** The other person of a call: name and picture, from the direct conversation or anyone this tab has seen. */
export function useCallPeer(conversationId: string, userId: string): { id: string; name: string; avatarUrl: string | null } {
  const { t } = useTranslation();
  const conversation = useConversationView(conversationId);
  const known = useConversations((s) => s.people[userId]);
  const person = conversation?.peer?.id === userId ? conversation.peer : known;
  return { id: userId, name: person ? displayName(person) : t('names.someone'), avatarUrl: person?.avatarUrl ?? null };
}
