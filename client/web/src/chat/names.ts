import type { ConversationSummary, Message, User } from '@parley/schema';

/** The name a conversation goes by in lists and headers. */
export function conversationName(c: ConversationSummary): string {
  if (c.type === 'direct') return c.peer?.displayName || c.peer?.username || c.title || 'Direct chat';
  return c.title || 'Untitled group';
}

/** One line for the conversation list: what was said last, and by whom in a group. */
export function preview(message: Message | null, me: User): string {
  if (!message) return 'No messages yet';
  const body = message.recalledAt
    ? 'Message recalled'
    : message.kind === 'text'
      ? message.text
      : message.kind === 'image'
        ? '📷 Photo'
        : message.kind === 'video'
          ? '🎬 Video'
          : message.kind === 'file'
            ? `📎 ${message.media?.name ?? 'File'}`
            : message.kind === 'call'
              ? '📞 Call'
              : message.text || 'Conversation updated';
  return message.senderId === me.id && message.kind !== 'system' ? `You: ${body}` : body;
}
