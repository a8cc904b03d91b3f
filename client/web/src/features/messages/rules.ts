import { LIMITS, type Role } from '@parley/schema';
import type { ChatMessage, ConversationView } from '@parley/client/sdk';

/** What the server allows (sync-server's decide): the menu offers only these. */
const inWindow = (m: ChatMessage, now: number) => now - m.createdAt <= LIMITS.editWindowMs;
const isModerator = (c: Pick<ConversationView, 'type'>, role: Role | null) => c.type === 'group' && (role === 'owner' || role === 'admin');

export const canEdit = (m: ChatMessage, now = Date.now()) => m.mine && m.seq !== null && !m.recalledAt && m.kind === 'text' && inWindow(m, now);
export const canRecall = (m: ChatMessage, c: Pick<ConversationView, 'type'>, role: Role | null, now = Date.now()) =>
  m.seq !== null && !m.recalledAt && m.kind !== 'system' && (isModerator(c, role) || (m.mine && inWindow(m, now)));
export const canReact = (m: ChatMessage) => m.seq !== null && !m.recalledAt && m.kind !== 'system';
export const canReply = canReact;
