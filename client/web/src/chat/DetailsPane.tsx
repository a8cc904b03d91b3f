import type { User } from '@parley/schema';
import type { ConversationView } from '@parley/client/sdk';
import { Avatar } from './Avatar.tsx';
import { conversationName } from './names.ts';

/** The right-hand pane: who this conversation is with, and what it is. */
export function DetailsPane({ me, conversation, onClose }: { me: User; conversation: ConversationView; onClose: () => void }) {
  const name = conversationName(conversation);
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
          <Avatar id={conversation.peer?.id ?? conversation.id} name={name} size={88} online={conversation.type === 'direct' ? conversation.online : undefined} />
          <h3>{name}</h3>
          {conversation.peer && <span className="muted">@{conversation.peer.username}</span>}
        </div>
        <dl className="facts">
          <div>
            <dt>Type</dt>
            <dd>{conversation.type === 'direct' ? 'Direct chat' : conversation.type === 'group' ? 'Group' : 'Context chat'}</dd>
          </div>
          {conversation.muted && (
            <div>
              <dt>Notifications</dt>
              <dd>Muted</dd>
            </div>
          )}
          <div>
            <dt>Members</dt>
            <dd>{conversation.memberCount ?? (conversation.type === 'direct' ? 2 : '—')}</dd>
          </div>
          {conversation.type === 'direct' && (
            <div>
              <dt>Status</dt>
              <dd>{conversation.online ? 'Online' : 'Offline'}</dd>
            </div>
          )}
          <div>
            <dt>You</dt>
            <dd>
              {me.displayName || me.username} · {roleName(conversation.role)}
            </dd>
          </div>
        </dl>
      </div>
    </aside>
  );
}

function roleName(role: ConversationView['role']): string {
  return role === 'owner' ? 'Owner' : role === 'admin' ? 'Admin' : 'Member';
}
