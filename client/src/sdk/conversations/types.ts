import type { ConversationContext, ConversationStatus, Draft, Message, Role, User } from '@parley/schema';

/** One row of the conversation list: REST summary + live inbox entry + presence + local settings. */
export interface ConversationView {
  id: string;
  type: 'direct' | 'group' | 'context';
  title: string | null;
  avatarUrl: string | null;
  status: ConversationStatus;
  context: ConversationContext | null;
  expiresAt: number | null;
  lastMessage: Message | null;
  lastSeq: number;
  unreadCount: number;
  readSeq: number;
  updatedAt: number;
  role: Role | null;
  peer: User | null;
  memberCount: number | null;
  /** Direct: the peer is online. Group: at least one other member known online. */
  online: boolean;
  muted: boolean;
  pinned: boolean;
  draft: Draft | null;
}
