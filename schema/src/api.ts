import type { ConversationStatus, ConversationType, Role } from './commands.ts';
import type { ConversationContext, Message } from './documents.ts';

/** REST payloads (docs/api.md). */

export interface User {
  id: string;
  username: string;
  displayName: string;
  avatarUrl?: string | null;
}

export interface AuthResponse {
  token: string;
  refreshToken: string;
  expiresAt: number;
  user: User;
}

export interface Member extends User {
  role: Role;
  joinedAt: number;
  lastReadSeq: number;
}

export interface ConversationSummary {
  id: string;
  type: ConversationType;
  title: string | null;
  avatarUrl: string | null;
  status: ConversationStatus;
  context: ConversationContext | null;
  expiresAt: number | null;
  createdAt: number;
  lastSeq: number;
  lastMessage: Message | null;
  unreadCount: number;
  /** The caller's read marker: the highest seq they have read. */
  readSeq: number;
  /** The caller's own role. */
  role: Role;
  /** For a direct conversation: the other member. */
  peer?: User;
  memberCount: number;
}

export interface ConversationDetail extends ConversationSummary {
  members: Member[];
}

export interface HistoryPage {
  items: Message[];
  hasMore: boolean;
}

export interface SearchHit extends Message {
  conversationTitle: string | null;
}
