import type { Message, User } from '@parley/schema';
import type { ConversationView } from '@parley/client/sdk';

/** The name a conversation goes by in lists and headers. */
export function conversationName(c: ConversationView): string {
  if (c.type === 'direct') return c.peer?.displayName || c.peer?.username || c.title || 'Direct chat';
  return c.title || 'Untitled group';
}

/** Names of the people this client knows in a conversation: itself and, in a direct chat, the peer. */
export function nameOf(userId: string, me: User, c: ConversationView): string | null {
  if (userId === me.id) return 'You';
  if (c.peer?.id === userId) return c.peer.displayName || c.peer.username;
  return null;
}

/** The sentence a system message stands for ("You started this chat"). */
export function systemText(message: Pick<Message, 'system' | 'text'>, me: User, c: ConversationView): string {
  const event = message.system;
  if (!event) return message.text || 'Conversation updated';
  const actor = nameOf(event.actorId, me, c) ?? 'Someone';
  switch (event.event) {
    case 'created':
      return c.type === 'direct' ? `${actor} started this chat` : `${actor} created the group`;
    case 'membersAdded':
      return `${actor} added ${event.userIds?.length ?? 0} member${event.userIds?.length === 1 ? '' : 's'}`;
    case 'memberRemoved':
      return `${actor} removed a member`;
    case 'memberLeft':
      return `${actor} left`;
    case 'renamed':
      return event.title ? `${actor} renamed the conversation to “${event.title}”` : `${actor} renamed the conversation`;
    case 'avatarChanged':
      return `${actor} changed the picture`;
    case 'roleChanged':
      return `${actor} changed a role${event.role ? ` to ${event.role}` : ''}`;
    case 'statusChanged':
      return `The conversation is now ${event.status ?? 'changed'}`;
  }
  return message.text || 'Conversation updated';
}

/** One line for the conversation list: a draft, or what was said last. */
export function preview(c: ConversationView, me: User): { text: string; draft: boolean } {
  if (c.draft?.text) return { text: c.draft.text, draft: true };
  const message = c.lastMessage;
  if (!message) return { text: 'No messages yet', draft: false };
  if (message.kind === 'system') return { text: systemText(message, me, c), draft: false };
  const body = message.recalledAt
    ? 'Message recalled'
    : message.kind === 'text'
      ? message.text
      : message.kind === 'image'
        ? 'Photo'
        : message.kind === 'video'
          ? 'Video'
          : message.kind === 'file'
            ? (message.media?.name ?? 'File')
            : 'Call';
  return { text: message.senderId === me.id ? `You: ${body}` : body, draft: false };
}
