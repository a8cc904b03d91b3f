import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { LIMITS, type Member } from '@parley/schema';
import type { ConversationView } from '@parley/client/sdk';
import { useClient } from '../../client/ClientContext.tsx';
import { loadDetail } from '../../client/createClient.ts';
import { displayName } from '../../hooks/useNames.ts';
import { usePresence } from '../../hooks/usePresence.ts';
import { useConversationDetail, useConversations } from '../../stores/conversations.ts';
import { useMe } from '../../stores/session.ts';
import { closeDetails, selectConversation } from '../../stores/ui.ts';
import { Avatar } from '../../ui/Avatar.tsx';
import { IconButton } from '../../ui/IconButton.tsx';
import { PeopleToAdd } from '../contacts/PeopleToAdd.tsx';
import { usePeopleSearch } from '../contacts/usePeopleSearch.ts';
import { conversationName } from '../conversations/names.ts';
import { SearchResults } from '../search/SearchResults.tsx';

/**
 * The conversation's details, at every width (a column, or a sheet on narrow
 * screens): members with presence and roles, group management as the caller's
 * role allows, mute, pin, clear history, leave, search in this conversation.
 */
export function DetailsPane({ conversation }: { conversation: ConversationView }) {
  const { t } = useTranslation();
  const client = useClient();
  const me = useMe();
  const detail = useConversationDetail(conversation.id);
  const list = useConversations((s) => s.list ?? []);
  const peerOnline = usePresence(conversation.type === 'direct' ? conversation.peer?.id : null);
  const [renaming, setRenaming] = useState(false);
  const [title, setTitle] = useState(conversation.title ?? '');
  const [adding, setAdding] = useState(false);
  const [query, setQuery] = useState('');
  const [searchQ, setSearchQ] = useState('');
  const { results } = usePeopleSearch(adding ? query : '');
  const [error, setError] = useState<string | null>(null);
  const name = conversationName(conversation, t);
  const isGroup = conversation.type === 'group';
  const role = detail?.members.find((m) => m.id === me.id)?.role ?? conversation.role;
  const manager = isGroup && (role === 'owner' || role === 'admin');

  const run = async (f: () => Promise<unknown>) => {
    try {
      setError(null);
      await f();
      await loadDetail(client, conversation.id);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  const settings = (patch: { muted?: boolean; pinned?: boolean; clearedBefore?: number }) => {
    try {
      client.setConversationSettings(conversation.id, patch);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };

  return (
    <aside className="pane details" aria-label={t('pane.details')}>
      <header className="pane-header">
        <h2>{t('details.title')}</h2>
        <IconButton label={t('details.close')} onClick={closeDetails}>
          ✕
        </IconButton>
      </header>
      <div className="details-body">
        <div className="profile">
          <Avatar
            id={conversation.peer?.id ?? conversation.id}
            name={name}
            size={88}
            online={conversation.type === 'direct' ? (peerOnline ?? null) : undefined}
            imageUrl={conversation.type === 'direct' ? conversation.peer?.avatarUrl : conversation.avatarUrl}
          />
          {renaming ? (
            <form
              className="rename"
              onSubmit={(e) => {
                e.preventDefault();
                void run(() => client.renameConversation(conversation.id, title.trim())).then(() => setRenaming(false));
              }}
            >
              <input aria-label={t('details.groupTitle')} autoFocus maxLength={LIMITS.titleMaxLength} value={title} onChange={(e) => setTitle(e.target.value)} />
              <button className="primary small" type="submit" disabled={!title.trim()}>
                {t('details.save')}
              </button>
              <button className="link" type="button" onClick={() => setRenaming(false)}>
                {t('people.cancel')}
              </button>
            </form>
          ) : (
            <h3>{name}</h3>
          )}
          {conversation.peer && <span className="muted">@{conversation.peer.username}</span>}
          {manager && !renaming && (
            <button className="link" onClick={() => (setTitle(conversation.title ?? ''), setRenaming(true))}>
              {t('details.rename')}
            </button>
          )}
        </div>
        {error && (
          <div className="notice error" role="alert">
            {error}
          </div>
        )}

        <div className="details-toggles">
          <label className="toggle">
            <input type="checkbox" checked={conversation.muted} onChange={(e) => settings({ muted: e.target.checked })} />
            {t('details.mute')}
          </label>
          <label className="toggle">
            <input type="checkbox" checked={conversation.pinned} onChange={(e) => settings({ pinned: e.target.checked })} />
            {t('details.pin')}
          </label>
        </div>

        <div className="search details-search">
          <input type="search" placeholder={t('details.searchShort')} aria-label={t('details.searchHere')} value={searchQ} onChange={(e) => setSearchQ(e.target.value)} />
        </div>
        {searchQ.trim() && <SearchResults query={searchQ.trim()} conversations={list} conversationId={conversation.id} onPicked={() => setSearchQ('')} />}

        {conversation.type !== 'direct' && (
          <section aria-label={t('details.members')}>
            <h3 className="section-title">
              {t('details.members')} · {detail?.members.length ?? conversation.memberCount ?? '—'}
            </h3>
            <ul className="members">
              {(detail?.members ?? []).map((m) => (
                <MemberRow key={m.id} member={m} meId={me.id} myRole={role} onRun={run} conversationId={conversation.id} />
              ))}
            </ul>
            {manager &&
              (adding ? (
                <div className="add-members">
                  <div className="search">
                    <input type="search" autoFocus placeholder={t('people.find')} aria-label={t('people.find')} value={query} onChange={(e) => setQuery(e.target.value)} />
                    <button className="link" onClick={() => setAdding(false)}>
                      {t('people.cancel')}
                    </button>
                  </div>
                  <PeopleToAdd people={results} exclude={(id) => detail?.members.some((m) => m.id === id) ?? false} onPick={(u) => void run(() => client.addMembers(conversation.id, [u.id]))} />
                </div>
              ) : (
                <button className="link add-link" onClick={() => setAdding(true)}>
                  + {t('details.addMembers')}
                </button>
              ))}
          </section>
        )}

        <div className="details-actions">
          <button
            className="link muted-link"
            onClick={() => window.confirm(t('details.clearConfirm')) && settings({ clearedBefore: conversation.lastSeq })}
          >
            {t('details.clear')}
          </button>
          {isGroup && (
            <button
              className="link danger"
              onClick={() =>
                window.confirm(t('details.leaveConfirm')) &&
                void run(async () => {
                  await client.leaveConversation(conversation.id);
                  selectConversation(null);
                })
              }
            >
              {t('details.leave')}
            </button>
          )}
        </div>
      </div>
    </aside>
  );
}

function MemberRow({ member, meId, myRole, conversationId, onRun }: { member: Member; meId: string; myRole: ConversationView['role']; conversationId: string; onRun: (f: () => Promise<unknown>) => Promise<void> }) {
  const { t } = useTranslation();
  const client = useClient();
  const online = usePresence(member.id === meId ? null : member.id);
  const name = displayName(member);
  const mayRemove = member.id !== meId && member.role !== 'owner' && (myRole === 'owner' || (myRole === 'admin' && member.role === 'member'));
  return (
    <li className="member" data-username={member.username}>
      <Avatar id={member.id} name={name} size={34} online={member.id === meId ? undefined : (online ?? null)} imageUrl={member.avatarUrl} />
      <span className="person-text">
        <strong>{member.id === meId ? `${name} (${t('details.you')})` : name}</strong>
        <span className="muted">{t(`roles.${member.role}`)}</span>
      </span>
      <span className="member-actions">
        {myRole === 'owner' && member.id !== meId && (
          <select
            aria-label={t('details.roleOf', { name })}
            value={member.role}
            onChange={(e) => void onRun(() => client.setMemberRole(conversationId, member.id, e.target.value as 'admin' | 'member'))}
          >
            <option value="admin">{t('roles.admin')}</option>
            <option value="member">{t('roles.member')}</option>
          </select>
        )}
        {mayRemove && (
          <button className="link muted-link" aria-label={t('details.removeMember', { name })} onClick={() => void onRun(() => client.removeMember(conversationId, member.id))}>
            {t('details.remove')}
          </button>
        )}
      </span>
    </li>
  );
}
