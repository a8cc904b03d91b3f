import type { ConversationSummary, Draft, Role, User } from '@parley/schema';

/**
 * One row of the conversation list: REST summary + live inbox entry + presence
 * + local settings. Role, peer and member count are null until the summary of a
 * conversation that first arrived through the inbox has been fetched.
 */
export interface ConversationView
  extends Pick<ConversationSummary, 'id' | 'type' | 'title' | 'avatarUrl' | 'status' | 'context' | 'expiresAt' | 'lastMessage' | 'lastSeq' | 'unreadCount' | 'readSeq'> {
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
