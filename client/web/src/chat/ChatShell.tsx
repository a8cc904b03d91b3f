import { useCallback, useEffect, useState } from 'react';
import type { User } from '@parley/schema';
import type { Connectivity, ConversationView, ParleyClient } from '@parley/client/sdk';
import { createClient } from '../client.ts';
import { signOut, type Session } from '../session.ts';
import { ConversationList } from './ConversationList.tsx';
import { DetailsPane } from './DetailsPane.tsx';
import { MessagePane } from './MessagePane.tsx';

const hashId = () => /^#\/c\/(.+)$/.exec(location.hash)?.[1] ?? null;

/** The three panes: conversations, the open conversation, its details; all fed by one SDK client. */
export function ChatShell({ session }: { session: Session }) {
  const me = session.user;
  const [client, setClient] = useState<ParleyClient | null>(null);
  const [conversations, setConversations] = useState<ConversationView[] | null>(null);
  const [connection, setConnection] = useState<Connectivity>('connecting');
  const [loadError, setLoadError] = useState<string | null>(null);
  const [selectedId, setSelectedId] = useState<string | null>(hashId);
  const [showDetails, setShowDetails] = useState(true);

  useEffect(() => {
    const c = createClient(session);
    // A conversation someone else started reaches us through the inbox first, without its
    // title or peer: fetch the list once for each such newcomer.
    const asked = new Set<string>();
    const onList = (list: ConversationView[]) => {
      setConversations([...list]);
      const unknown = list.filter((x) => x.type === 'direct' && !x.peer && !asked.has(x.id));
      if (unknown.length === 0) return;
      for (const x of unknown) asked.add(x.id);
      void c.refreshConversations().catch(() => undefined);
    };
    const offs = [
      c.on('conversationsChanged', onList),
      c.on('connectivity', setConnection),
      // Signed out in another tab of this browser: this one follows (rule SDK-A5).
      c.on('signedOut', (where) => {
        if (where === 'otherTab') signOut();
      }),
      c.on('authFailed', () => signOut()),
      c.on('reconnected', () => void c.refreshConversations().catch(() => undefined)),
    ];
    setClient(c);
    const refresh = () =>
      c.refreshConversations().then(
        () => setLoadError(null),
        (e: unknown) => {
          // Offline, the cached list shows; say why it may be stale.
          setConversations((list) => list ?? c.listConversations());
          setLoadError(e instanceof Error ? e.message : 'Could not load conversations.');
        },
      );
    // The inbox keeps the list live; a tab coming back to the front also re-reads it, cheaply.
    const onFocus = () => void c.refreshConversations().catch(() => undefined);
    window.addEventListener('focus', onFocus);
    void c.connect().then(() => {
      setConversations([...c.listConversations()]);
      return refresh();
    });
    return () => {
      window.removeEventListener('focus', onFocus);
      for (const off of offs) off();
      void c.destroy();
    };
    // One client per signed-in user (App keys this component by user id): a token refresh must not rebuild it.
  }, []);

  useEffect(() => {
    const onHash = () => setSelectedId(hashId());
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);

  const select = (id: string | null) => {
    location.hash = id ? `#/c/${id}` : '';
    setSelectedId(id);
  };

  async function openDirect(user: User) {
    if (!client) return;
    const conversation = await client.createDirectConversation(user.id);
    select(conversation.id);
  }

  const searchUsers = useCallback((q: string) => (client ? client.searchUsers(q) : Promise.resolve([])), [client]);

  /** Revokes the session on the server and deletes this user's data on the device, then back to sign-in. */
  async function logout() {
    await client?.logout().catch(() => undefined);
    signOut();
  }

  const selected = conversations?.find((c) => c.id === selectedId) ?? null;

  return (
    <div className={`shell${selected ? ' has-selection' : ''}${showDetails ? '' : ' no-details'}`}>
      <ConversationList
        me={me}
        conversations={conversations}
        connection={connection}
        error={loadError}
        selectedId={selectedId}
        onSelect={select}
        onOpenDirect={openDirect}
        onRetry={() => void client?.refreshConversations().then(() => setLoadError(null), () => undefined)}
        searchUsers={searchUsers}
        onSignOut={() => void logout()}
      />
      {selected && client ? (
        <MessagePane
          key={selected.id}
          client={client}
          me={me}
          conversation={selected}
          onBack={() => select(null)}
          onToggleDetails={() => setShowDetails((v) => !v)}
        />
      ) : (
        <section className="pane messages empty-state">
          <div>
            <div className="empty-illustration" aria-hidden="true">
              <svg viewBox="0 0 24 24" width="44" height="44">
                <path d="M5 5h14a2 2 0 0 1 2 2v8a2 2 0 0 1-2 2h-7l-4.5 3.5V17H5a2 2 0 0 1-2-2V7a2 2 0 0 1 2-2z" fill="currentColor" />
                <path d="M8 10h8M8 13h5" stroke="#fff" strokeWidth="1.6" strokeLinecap="round" />
              </svg>
            </div>
            <h2>{conversations?.length ? 'Pick a conversation' : 'Say hello'}</h2>
            <p className="muted">{conversations?.length ? 'Choose one on the left, or start a new chat.' : 'Start a new chat with the pencil button and find someone by username.'}</p>
          </div>
        </section>
      )}
      {selected && showDetails && <DetailsPane me={me} conversation={selected} onClose={() => setShowDetails(false)} />}
    </div>
  );
}
