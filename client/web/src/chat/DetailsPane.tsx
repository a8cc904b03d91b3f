import type { ConversationSummary, User } from '@parley/schema';
import { Avatar } from './Avatar.tsx';
import { conversationName } from './names.ts';

/** The right-hand pane: who this conversation is with, and what it is. */
export function DetailsPane({ me, conversation, onClose }: { me: User; conversation: ConversationSummary; onClose: () => void }) {
  const name = conversationName(conversation);
  const created = new Date(conversation.createdAt).toLocaleDateString(undefined, { day: 'numeric', month: 'long', year: 'numeric' });
  return (
    <aside className="pane details" aria-label="Conversation details">
      <header className="pane-header">
        <h2>Details</h2>
        <button className="icon-button" aria-label="Close details" onClick={onClose}>
          ✕
        </button>
      </header>
      <div className="details-body">
        <div className="profile">
          <Avatar id={conversation.peer?.id ?? conversation.id} name={name} size={88} />
          <h3>{name}</h3>
          {conversation.peer && <span className="muted">@{conversation.peer.username}</span>}
        </div>
        <dl className="facts">
          <div>
            <dt>Type</dt>
            <dd>{conversation.type === 'direct' ? 'Direct chat' : conversation.type === 'group' ? 'Group' : 'Context chat'}</dd>
          </div>
          <div>
            <dt>Members</dt>
            <dd>{conversation.memberCount ?? (conversation.type === 'direct' ? 2 : '—')}</dd>
          </div>
          <div>
            <dt>Started</dt>
            <dd>{created}</dd>
          </div>
          <div>
            <dt>You</dt>
            <dd>
              {me.displayName || me.username} · {conversation.role ?? 'member'}
            </dd>
          </div>
        </dl>
      </div>
    </aside>
  );
}
