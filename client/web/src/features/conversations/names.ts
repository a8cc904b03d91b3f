import type { TFunction } from 'i18next';
import type { Message } from '@parley/schema';
import type { ConversationView } from '@parley/client/sdk';
import { callText } from '../calls/callText.ts';

export type NameOf = (userId: string) => string;

/** The name a conversation goes by in lists and headers. */
export function conversationName(c: ConversationView, t: TFunction): string {
  if (c.type === 'direct') return c.peer?.displayName || c.peer?.username || c.title || t('names.directChat');
  return c.title || t('names.untitledGroup');
}

/** The sentence a system message stands for ("Alice added Bob"), with names. */
export function systemText(message: Pick<Message, 'system' | 'text'>, nameOf: NameOf, c: Pick<ConversationView, 'type'>, t: TFunction): string {
  const event = message.system;
  if (!event) return message.text || t('system.updated');
  const actor = nameOf(event.actorId);
  const names = (event.userIds ?? []).map(nameOf).join(', ');
  switch (event.event) {
    case 'created':
      if (c.type === 'direct') return t('system.startedChat', { actor });
      return event.title ? t('system.createdGroupTitled', { actor, title: event.title }) : t('system.createdGroup', { actor });
    case 'membersAdded':
      return t('system.added', { actor, names });
    case 'memberRemoved':
      return t('system.removed', { actor, names });
    case 'memberLeft':
      return t('system.left', { actor: names || actor });
    case 'renamed':
      return event.title ? t('system.renamed', { actor, title: event.title }) : t('system.renamedPlain', { actor });
    case 'avatarChanged':
      return t('system.avatar', { actor });
    case 'roleChanged':
      return event.role && names ? t('system.role', { actor, names, role: t(`roles.${event.role}`) }) : t('system.rolePlain', { actor });
    case 'statusChanged':
      return t('system.status', { status: t(`status.${event.status ?? 'active'}`) });
  }
  return message.text || t('system.updated');
}

/** One line for the conversation list: a draft, or what was said last. */
export function preview(c: ConversationView, meId: string, nameOf: NameOf, t: TFunction): { text: string; draft: boolean } {
  if (c.draft?.text) return { text: c.draft.text, draft: true };
  const message = c.lastMessage;
  if (!message) return { text: t('list.noMessages'), draft: false };
  if (message.kind === 'system') return { text: systemText(message, nameOf, c, t), draft: false };
  // A call record already reads from this user's side ("Missed voice call").
  if (message.kind === 'call' && message.system?.call) return { text: callText(message.system.call, meId, t), draft: false };
  const body = message.recalledAt
    ? t('preview.recalled')
    : message.kind === 'text'
      ? message.text
      : message.kind === 'image'
        ? t('preview.photo')
        : message.kind === 'video'
          ? t('preview.video')
          : message.kind === 'file'
            ? (message.media?.name ?? t('preview.file'))
            : t('preview.call');
  if (message.senderId === meId) return { text: t('preview.you', { text: body }), draft: false };
  if (c.type !== 'direct') return { text: `${nameOf(message.senderId)}: ${body}`, draft: false };
  return { text: body, draft: false };
}
