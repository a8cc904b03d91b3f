import { useCallback, useEffect, useState } from 'react';
import type { ConversationSummary, User } from '@parley/schema';
import { api, ApiError } from '../api.ts';
import { ConversationList } from './ConversationList.tsx';
import { DetailsPane } from './DetailsPane.tsx';
import { MessagePane } from './MessagePane.tsx';

const hashId = () => /^#\/c\/(.+)$/.exec(location.hash)?.[1] ?? null;

/** The three panes: conversations, the open conversation, its details. */
export function ChatShell({ me }: { me: User }) {
  const [conversations, setConversations] = useState<ConversationSummary[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [selectedId, setSelectedId] = useState<string | null>(hashId);
  const [showDetails, setShowDetails] = useState(true);

  const reload = useCallback(async () => {
    try {
      setConversations(await api.conversations());
      setLoadError(null);
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) return;
      setLoadError(e instanceof Error ? e.message : 'Could not load conversations.');
    }
  }, []);

  useEffect(() => {
    void reload();
    // Until the live inbox arrives through the SDK, the list is refreshed when the tab regains focus.
    const onFocus = () => void reload();
    window.addEventListener('focus', onFocus);
    return () => window.removeEventListener('focus', onFocus);
  }, [reload]);

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
    const conversation = await api.openDirect(user.id);
    setConversations((list) => [conversation, ...(list ?? []).filter((c) => c.id !== conversation.id)]);
    select(conversation.id);
  }

  const selected = conversations?.find((c) => c.id === selectedId) ?? null;

  return (
    <div className={`shell${selected ? ' has-selection' : ''}${showDetails ? '' : ' no-details'}`}>
      <ConversationList me={me} conversations={conversations} error={loadError} selectedId={selectedId} onSelect={select} onOpenDirect={openDirect} onRetry={reload} />
      {selected ? (
        <MessagePane key={selected.id} me={me} conversation={selected} onBack={() => select(null)} onToggleDetails={() => setShowDetails((v) => !v)} />
      ) : (
        <section className="pane messages empty-state">
          <div>
            <div className="empty-illustration" aria-hidden="true">
              💬
            </div>
            <h2>{conversations?.length ? 'Pick a conversation' : 'Say hello'}</h2>
            <p className="muted">{conversations?.length ? 'Choose one on the left, or start a new chat.' : 'Start a chat with the ✎ button: search for someone by username.'}</p>
          </div>
        </section>
      )}
      {selected && showDetails && <DetailsPane me={me} conversation={selected} onClose={() => setShowDetails(false)} />}
    </div>
  );
}
