import type { ConversationDetail, ConversationStatus, Role } from '@parley/schema';
import type { RestClient } from '../rest/RestClient.ts';

const enc = encodeURIComponent;

export interface GroupsHooks {
  /** The conversation as the server answered it, after the change. */
  changed(conversation: ConversationDetail): void;
  /** The user is no longer a member. */
  left(conversationId: string): void;
}

/**
 * Changing a conversation through its REST face (docs/api.md, "Changing a
 * conversation"): each call waits for the server's verdict and answers the
 * conversation as it is now, so a refusal (NOT_ALLOWED, NOT_A_MEMBER, …) reaches
 * the caller as a rejected promise. The same changes queue offline through
 * `command()` instead.
 */
export class Groups {
  constructor(
    private readonly rest: RestClient,
    private readonly me: string,
    private readonly hooks: GroupsHooks,
  ) {}

  /** Title and/or avatar (`avatarUrl: null` removes it); groups, owner and admins. */
  update(conversationId: string, patch: { title?: string; avatarUrl?: string | null }): Promise<ConversationDetail> {
    return this.changed(this.rest.patch(`/conversations/${enc(conversationId)}`, patch));
  }

  addMembers(conversationId: string, userIds: string[]): Promise<ConversationDetail> {
    return this.changed(this.rest.post(`/conversations/${enc(conversationId)}/members`, { userIds }));
  }

  /** Removing oneself is leaving: resolves null then. */
  async removeMember(conversationId: string, userId: string): Promise<ConversationDetail | null> {
    if (userId === this.me) {
      await this.leave(conversationId);
      return null;
    }
    return this.changed(this.rest.delete(`/conversations/${enc(conversationId)}/members/${enc(userId)}`));
  }

  /** The owner only. */
  setRole(conversationId: string, userId: string, role: Exclude<Role, 'owner'>): Promise<ConversationDetail> {
    return this.changed(this.rest.put(`/conversations/${enc(conversationId)}/members/${enc(userId)}/role`, { role }));
  }

  async leave(conversationId: string): Promise<void> {
    await this.rest.post(`/conversations/${enc(conversationId)}/leave`);
    this.hooks.left(conversationId);
  }

  /** Context conversations; either party. */
  setStatus(conversationId: string, status: ConversationStatus): Promise<ConversationDetail> {
    return this.changed(this.rest.post(`/conversations/${enc(conversationId)}/status`, { status }));
  }

  private async changed(request: Promise<unknown>): Promise<ConversationDetail> {
    const { conversation } = (await request) as { conversation: ConversationDetail };
    this.hooks.changed(conversation);
    return conversation;
  }
}
