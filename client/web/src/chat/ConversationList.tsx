import { useState } from 'react';
import type { User } from '@parley/schema';
import type { Connectivity, ConversationView } from '@parley/client/sdk';
import { Logo } from '../auth/AuthScreen.tsx';
import { shortTime } from '../time.ts';
import { Avatar } from './Avatar.tsx';
import { conversationName, preview } from './names.ts';
import { NewChat } from './NewChat.tsx';

interface Props {
  me: User;
  conversations: ConversationView[] | null;
  connection: Connectivity;
  error: string | null;
  selectedId: string | null;
  onSelect: (id: string) => void;
  onOpenDirect: (user: User) => Promise<void>;
  onRetry: () => void;
  searchUsers: (q: string) => Promise<User[]>;
  onSignOut: () => void;
}

export function ConversationList({ me, conversations, connection, error, selectedId, onSelect, onOpenDirect, onRetry, searchUsers, onSignOut }: Props) {
  const [composing, setComposing] = useState(false);
  const [filter, setFilter] = useState('');

  const shown = (conversations ?? []).filter((c) => conversationName(c).toLowerCase().includes(filter.trim().toLowerCase()));

  return (
    <aside className="pane sidebar" aria-label="Conversations">
      <header className="sidebar-header">
        <div className="brand small">
          <Logo size={26} />
          <span>Parley</span>
        </div>
        <button className="icon-button" title="New chat" aria-label="New chat" onClick={() => setComposing((v) => !v)}>
          <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true">
            <path d="M4 20h4L19 9l-4-4L4 16v4zM14 6l4 4" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" />
          </svg>
        </button>
      </header>

      {composing ? (
        <NewChat
          me={me}
          search={searchUsers}
          onCancel={() => setComposing(false)}
          onPick={async (user) => {
            await onOpenDirect(user);
            setComposing(false);
          }}
        />
      ) : (
        <div className="search">
          <input type="search" placeholder="Search conversations" aria-label="Search conversations" value={filter} onChange={(e) => setFilter(e.target.value)} />
        </div>
      )}

      <ConnectionBanner state={connection} />

      <nav className="conversation-list">
        {error && (
          <div className="notice error">
            {error}{' '}
            <button className="link" onClick={onRetry}>
              Retry
            </button>
          </div>
        )}
        {conversations === null && !error && <ListSkeleton />}
        {conversations?.length === 0 && !composing && <p className="list-empty muted">No conversations yet.</p>}
        <ul>
          {shown.map((c) => {
            const name = conversationName(c);
            const at = c.lastMessage?.createdAt ?? c.updatedAt;
            const line = preview(c, me);
            return (
              <li key={c.id}>
                <button className={`conversation${c.id === selectedId ? ' selected' : ''}${c.unreadCount > 0 ? ' unread' : ''}`} onClick={() => onSelect(c.id)} data-conversation-id={c.id}>
                  <Avatar id={c.peer?.id ?? c.id} name={name} size={46} online={c.type === 'direct' ? c.online : undefined} />
                  <span className="conversation-text">
                    <span className="conversation-top">
                      <span className="conversation-name">{name}</span>
                      <time className="conversation-time">{shortTime(at)}</time>
                    </span>
                    <span className="conversation-bottom">
                      <span className="conversation-preview">
                        {line.draft && <span className="draft-label">Draft: </span>}
                        {line.text}
                      </span>
                      {c.unreadCount > 0 && (
                        <span className="badge" aria-label={`${c.unreadCount} unread`}>
                          {c.unreadCount > 99 ? '99+' : c.unreadCount}
                        </span>
                      )}
                    </span>
                  </span>
                </button>
              </li>
            );
          })}
        </ul>
      </nav>

      <footer className="me">
        <Avatar id={me.id} name={me.displayName || me.username} size={36} />
        <span className="me-text">
          <strong>{me.displayName || me.username}</strong>
          <span className="muted">@{me.username}</span>
        </span>
        <button className="link" onClick={onSignOut}>
          Sign out
        </button>
      </footer>
    </aside>
  );
}

/** Says when the live connection is down (the SDK's connectivity, rule SDK-C12): what is shown may be stale, and sends wait. */
function ConnectionBanner({ state }: { state: Connectivity }) {
  if (state === 'online') return null;
  const text =
    state === 'connecting'
      ? 'Connecting…'
      : state === 'reconnecting'
        ? 'Reconnecting… Messages you send will go out when you are back.'
        : state === 'backOnline'
          ? 'Back online.'
          : 'Offline. Messages you send will wait.';
  return (
    <div className={`connection ${state}`} role="status">
      <span className="connection-dot" />
      {text}
    </div>
  );
}

function ListSkeleton() {
  return (
    <ul aria-hidden="true">
      {[0, 1, 2].map((i) => (
        <li key={i} className="skeleton-row">
          <span className="skeleton circle" />
          <span className="skeleton-lines">
            <span className="skeleton line" />
            <span className="skeleton line short" />
          </span>
        </li>
      ))}
    </ul>
  );
}
