import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ConversationView } from '@parley/client/sdk';
import { useClient } from '../../client/ClientContext.tsx';
import { shortTime } from '../../i18n/format.ts';
import { usePresenceKnown } from '../../stores/connection.ts';
import { useConversations } from '../../stores/conversations.ts';
import { useMe, useSession } from '../../stores/session.ts';
import { selectConversation, useUi } from '../../stores/ui.ts';
import { Avatar } from '../../ui/Avatar.tsx';
import { IconButton } from '../../ui/IconButton.tsx';
import { GroupIcon, PencilIcon, PeopleIcon } from '../../ui/icons.tsx';
import { Logo } from '../../ui/Logo.tsx';
import { useNames } from '../../hooks/useNames.ts';
import { ContactsPane } from '../contacts/ContactsPane.tsx';
import { NewChat } from '../contacts/NewChat.tsx';
import { NewGroup } from '../contacts/NewGroup.tsx';
import { NotificationPrompt } from '../notifications/NotificationPrompt.tsx';
import { SearchResults } from '../search/SearchResults.tsx';
import { LanguageSwitch } from '../settings/LanguageSwitch.tsx';
import { ConnectionBanner } from './ConnectionBanner.tsx';
import { conversationName, preview } from './names.ts';

/** The left pane: the conversation list, or contacts, a new chat or a new group in its place; search over all of it. */
export function ConversationList() {
  const { t } = useTranslation();
  const client = useClient();
  const me = useMe();
  const { list, error } = useConversations();
  const view = useUi((s) => s.sidebar);
  const [query, setQuery] = useState('');
  const show = (sidebar: typeof view) => useUi.setState({ sidebar: view === sidebar ? 'chats' : sidebar });

  async function signOut() {
    await client.logout().catch(() => undefined);
    useSession.getState().signOut();
  }

  return (
    <aside className="pane sidebar" aria-label={t('list.label')}>
      <header className="sidebar-header">
        <div className="brand small">
          <Logo size={26} />
          <span>{t('app.name')}</span>
        </div>
        <div className="header-actions">
          <IconButton label={t('list.contacts')} aria-pressed={view === 'contacts'} onClick={() => show('contacts')}>
            <PeopleIcon />
          </IconButton>
          <IconButton label={t('list.newGroup')} aria-pressed={view === 'newGroup'} onClick={() => show('newGroup')}>
            <GroupIcon />
          </IconButton>
          <IconButton label={t('list.newChat')} aria-pressed={view === 'newChat'} onClick={() => show('newChat')}>
            <PencilIcon />
          </IconButton>
        </div>
      </header>

      {view === 'newChat' ? (
        <NewChat onDone={() => useUi.setState({ sidebar: 'chats' })} />
      ) : view === 'newGroup' ? (
        <NewGroup onDone={() => useUi.setState({ sidebar: 'chats' })} />
      ) : view === 'contacts' ? (
        <ContactsPane />
      ) : (
        <>
          <div className="search">
            <input type="search" placeholder={t('list.searchShort')} aria-label={t('list.search')} value={query} onChange={(e) => setQuery(e.target.value)} onKeyDown={(e) => e.key === 'Escape' && setQuery('')} />
          </div>
          <ConnectionBanner />
          <NotificationPrompt />
          {query.trim() ? (
            <SearchResults query={query.trim()} conversations={list ?? []} onPicked={() => setQuery('')} />
          ) : (
            <nav className="conversation-list" aria-label={t('list.chats')}>
              {error && (
                <div className="notice error">
                  {error}{' '}
                  <button className="link" onClick={() => void client.refreshConversations().then(() => useConversations.setState({ error: null }), () => undefined)}>
                    {t('list.retry')}
                  </button>
                </div>
              )}
              {list === null && !error && <ListSkeleton />}
              {list?.length === 0 && <p className="list-empty muted">{t('list.empty')}</p>}
              <ul>
                {(list ?? []).map((c) => (
                  <ConversationRow key={c.id} conversation={c} meId={me.id} />
                ))}
              </ul>
            </nav>
          )}
        </>
      )}

      <footer className="me">
        <Avatar id={me.id} name={me.displayName || me.username} size={36} imageUrl={me.avatarUrl} />
        <span className="me-text">
          <strong>{me.displayName || me.username}</strong>
          <span className="muted">@{me.username}</span>
        </span>
        <LanguageSwitch />
        <button className="link" onClick={() => void signOut()}>
          {t('list.signOut')}
        </button>
      </footer>
    </aside>
  );
}

function ConversationRow({ conversation: c, meId }: { conversation: ConversationView; meId: string }) {
  const { t } = useTranslation();
  const selectedId = useUi((s) => s.selectedId);
  const nameOf = useNames(c);
  const known = usePresenceKnown();
  const name = conversationName(c, t);
  const at = c.lastMessage?.createdAt ?? c.updatedAt;
  const line = preview(c, meId, nameOf, t);
  const online = c.type === 'direct' ? (known ? c.online : null) : undefined;
  return (
    <li>
      <button
        className={`conversation${c.id === selectedId ? ' selected' : ''}${c.unreadCount > 0 ? ' unread' : ''}${c.muted ? ' muted-conversation' : ''}`}
        aria-current={c.id === selectedId ? 'true' : undefined}
        onClick={() => selectConversation(c.id)}
        data-conversation-id={c.id}
      >
        <Avatar id={c.peer?.id ?? c.id} name={name} size={46} online={online} imageUrl={c.type === 'direct' ? c.peer?.avatarUrl : c.avatarUrl} />
        <span className="conversation-text">
          <span className="conversation-top">
            <span className="conversation-name">{name}</span>
            {c.pinned && (
              <span className="flag" title={t('list.pinned')} aria-label={t('list.pinned')}>
                📌
              </span>
            )}
            {c.muted && (
              <span className="flag" title={t('list.muted')} aria-label={t('list.muted')}>
                🔕
              </span>
            )}
            <time className="conversation-time">{shortTime(at)}</time>
          </span>
          <span className="conversation-bottom">
            <span className="conversation-preview">
              {line.draft && <span className="draft-label">{t('list.draft')}</span>}
              {line.text}
            </span>
            {c.unreadCount > 0 && (
              <span className={`badge${c.muted ? ' quiet' : ''}`} aria-label={t('list.unread', { count: c.unreadCount })}>
                {c.unreadCount > 99 ? '99+' : c.unreadCount}
              </span>
            )}
          </span>
        </span>
      </button>
    </li>
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
