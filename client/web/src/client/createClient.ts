import { ParleyClient, type ConversationView } from '@parley/client/sdk';
import { useConnection } from '../stores/connection.ts';
import { setDetail, useConversations } from '../stores/conversations.ts';
import { useSession, type Session } from '../stores/session.ts';
import { i18n } from '../i18n/index.ts';

/**
 * The SDK client of the signed-in user: the app's one way to the server (REST
 * and sync). Its events feed the stores; components read the stores and call
 * the client through hooks, never REST or a document themselves.
 */
export function createClient(session: Session): ParleyClient {
  return new ParleyClient({
    serverUrl: location.origin,
    token: session.token,
    userId: session.user.id,
    ...(session.refreshToken ? { refreshToken: session.refreshToken } : {}),
    logLevel: 'warn',
  });
}

/** Wires the client's events into the stores and connects; returns the teardown. */
export function bindClient(client: ParleyClient): () => void {
  // A conversation someone else started reaches us through the inbox first, without its
  // title or peer: fetch the list once for each such newcomer.
  const asked = new Set<string>();
  const onList = (list: ConversationView[]) => {
    useConversations.setState({ list: [...list] });
    const unknown = list.filter((x) => x.memberCount === null && !asked.has(x.id));
    if (unknown.length === 0) return;
    for (const x of unknown) asked.add(x.id);
    void client.refreshConversations().catch(() => undefined);
  };
  const refresh = () =>
    client.refreshConversations().then(
      () => useConversations.setState({ error: null }),
      (e: unknown) => {
        // Offline, the cached list shows; say why it may be stale.
        useConversations.setState((s) => ({ list: s.list ?? [...client.listConversations()], error: e instanceof Error ? e.message : i18n.t('list.loadFailed') }));
      },
    );
  const onFocus = () => void client.refreshConversations().catch(() => undefined);
  const offs = [
    client.on('conversationsChanged', onList),
    client.on('connectivity', (connectivity) => {
      useConnection.setState({ connectivity });
      if (connectivity === 'backOnline') void refresh();
    }),
    client.on('authFailed', () => useSession.getState().signOut()),
    // Signed out in another tab of this browser: this one follows (rule SDK-A5).
    client.on('signedOut', (where) => {
      if (where === 'otherTab') useSession.getState().signOut();
    }),
    client.on('tokenRefreshed', ({ token, refreshToken }) => useSession.getState().tokensRefreshed(token, refreshToken)),
    client.on('reconnected', () => void refresh()),
    // Removed from a group: the server disconnects the document and drops the inbox entry, so the
    // first sign here may be a refused send. Mark it read-only and re-read the list.
    client.on('messageFailed', ({ conversationId, error }) => {
      if (error.code !== 'NOT_A_MEMBER' || !conversationId) return;
      useConversations.setState((s) => ({ left: { ...s.left, [conversationId]: true } }));
      void client.refreshConversations().catch(() => undefined);
    }),
    client.on('error', (e) => e.code === 'NOT_A_MEMBER' && void client.refreshConversations().catch(() => undefined)),
  ];
  window.addEventListener('focus', onFocus);
  useConnection.setState({ connectivity: client.getConnectivity() });
  void client.connect().then(() => {
    useConversations.setState({ list: [...client.listConversations()] });
    return refresh();
  });
  return () => {
    window.removeEventListener('focus', onFocus);
    for (const off of offs) off();
    useConversations.setState({ list: null, error: null, details: {}, people: {}, left: {} });
    void client.destroy();
  };
}

/** Members, names and roles of one conversation, into the store. */
export async function loadDetail(client: ParleyClient, id: string): Promise<void> {
  try {
    setDetail(await client.getConversation(id));
  } catch {
    // Offline or no longer a member: what the store has stays.
  }
}
