import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { User } from '@parley/schema';
import { useClient } from '../../client/ClientContext.tsx';
import { usePresence } from '../../hooks/usePresence.ts';
import { displayName } from '../../hooks/useNames.ts';
import { Avatar } from '../../ui/Avatar.tsx';
import { startChat } from './startChat.ts';
import { usePeopleSearch } from './usePeopleSearch.ts';

/** The address book: contacts with online state, add and remove, find people, start a chat. */
export function ContactsPane() {
  const { t } = useTranslation();
  const client = useClient();
  const [contacts, setContacts] = useState<User[] | null>(null);
  const [query, setQuery] = useState('');
  const { results } = usePeopleSearch(query);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let alive = true;
    client.listContacts().then(
      (list) => alive && setContacts(list),
      (e: unknown) => alive && setError(e instanceof Error ? e.message : String(e)),
    );
    return () => {
      alive = false;
    };
  }, [client]);

  const isContact = (id: string) => contacts?.some((c) => c.id === id) ?? false;

  async function add(user: User) {
    try {
      const added = await client.addContact(user.id);
      setContacts((list) => [...(list ?? []).filter((c) => c.id !== added.id), added]);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  }

  async function remove(user: User) {
    try {
      await client.removeContact(user.id);
      setContacts((list) => (list ?? []).filter((c) => c.id !== user.id));
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  }

  return (
    <div className="contacts-pane">
      {error && <div className="notice error">{error}</div>}
      <h3 className="section-title">{t('list.contacts')}</h3>
      {contacts?.length === 0 && <p className="list-empty muted">{t('people.noContacts')}</p>}
      <ul className="people">
        {(contacts ?? []).map((u) => (
          <PersonRow key={u.id} user={u} contact onAdd={add} onRemove={remove} />
        ))}
      </ul>
      <div className="search">
        <input type="search" placeholder={t('people.find')} aria-label={t('people.find')} value={query} onChange={(e) => setQuery(e.target.value)} />
      </div>
      {results?.length === 0 && <p className="list-empty muted">{t('people.nobody')}</p>}
      <ul className="people">
        {(results ?? []).map((u) => (
          <PersonRow key={u.id} user={u} contact={isContact(u.id)} onAdd={add} onRemove={remove} />
        ))}
      </ul>
    </div>
  );
}

function PersonRow({ user, contact, onAdd, onRemove }: { user: User; contact: boolean; onAdd: (u: User) => Promise<void>; onRemove: (u: User) => Promise<void> }) {
  const { t } = useTranslation();
  const client = useClient();
  const online = usePresence(contact ? user.id : null);
  const name = displayName(user);
  return (
    <li className="person-row" data-username={user.username}>
      <button className="person" onClick={() => void startChat(client, user.id)} aria-label={t('people.startChat', { name })}>
        <Avatar id={user.id} name={name} size={36} online={contact ? (online ?? null) : undefined} imageUrl={user.avatarUrl} />
        <span className="person-text">
          <strong>{name}</strong>
          <span className="muted">@{user.username}</span>
        </span>
      </button>
      {contact ? (
        <button className="link muted-link" onClick={() => void onRemove(user)} aria-label={`${t('people.removeContact')}: ${name}`}>
          {t('details.remove')}
        </button>
      ) : (
        <button className="link" onClick={() => void onAdd(user)} aria-label={`${t('people.add')}: ${name}`}>
          {t('people.add')}
        </button>
      )}
    </li>
  );
}
