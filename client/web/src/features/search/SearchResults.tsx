import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { SearchHit } from '@parley/schema';
import type { ConversationView } from '@parley/client/sdk';
import { useClient } from '../../client/ClientContext.tsx';
import { shortTime } from '../../i18n/format.ts';
import { selectConversation, useUi } from '../../stores/ui.ts';
import { Avatar } from '../../ui/Avatar.tsx';
import { conversationName } from '../conversations/names.ts';
import { around, Highlight, searchTerms } from './Highlight.tsx';

/**
 * Search across conversations: titles that match, then messages the server
 * finds (CJK included), hits highlighted; a click opens the message in context.
 * `conversationId` narrows it to one conversation.
 */
export function SearchResults({ query, conversations, conversationId, onPicked }: { query: string; conversations: ConversationView[]; conversationId?: string; onPicked?: () => void }) {
  const { t } = useTranslation();
  const client = useClient();
  const [hits, setHits] = useState<SearchHit[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const terms = searchTerms(query);
  const titles = conversationId ? [] : conversations.filter((c) => terms.every((term) => conversationName(c, t).toLowerCase().includes(term.toLowerCase())));

  useEffect(() => {
    let current = true;
    setHits(null);
    const timer = setTimeout(() => {
      client.search(query).then(
        (items) => {
          if (!current) return;
          setHits(conversationId ? items.filter((h) => h.conversationId === conversationId) : items);
          setError(null);
        },
        () => {
          if (!current) return;
          setHits([]);
          setError(t('search.failed'));
        },
      );
    }, 250);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [client, query, conversationId, t]);

  const open = (hit: SearchHit) => {
    selectConversation(hit.conversationId);
    useUi.setState({ focusMessage: { conversationId: hit.conversationId, messageId: hit.id, seq: hit.seq } });
    onPicked?.();
  };
  const titleOf = (id: string, fallback: string | null) => {
    const c = conversations.find((x) => x.id === id);
    return c ? conversationName(c, t) : (fallback ?? '');
  };

  return (
    <div className="search-results" role="region" aria-label={t('list.search')}>
      {error && <div className="notice error">{error}</div>}
      {titles.length > 0 && (
        <ul>
          {titles.map((c) => (
            <li key={c.id}>
              <button className="conversation" onClick={() => (selectConversation(c.id), onPicked?.())}>
                <Avatar id={c.peer?.id ?? c.id} name={conversationName(c, t)} size={36} imageUrl={c.type === 'direct' ? c.peer?.avatarUrl : c.avatarUrl} />
                <span className="conversation-name">
                  <Highlight text={conversationName(c, t)} terms={terms} />
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
      {hits === null && <p className="list-empty muted">{t('search.searching')}</p>}
      {hits && hits.length > 0 && (
        <>
          <h3 className="section-title">{t('search.messages')}</h3>
          <ul>
            {hits.map((h) => (
              <li key={h.id}>
                <button className="search-hit" onClick={() => open(h)} data-message-id={h.id}>
                  <span className="conversation-top">
                    <span className="conversation-name">{titleOf(h.conversationId, h.conversationTitle)}</span>
                    <time className="conversation-time">{shortTime(h.createdAt)}</time>
                  </span>
                  <span className="hit-text">
                    <Highlight text={around(h.text, terms)} terms={terms} />
                  </span>
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
      {hits?.length === 0 && titles.length === 0 && !error && <p className="list-empty muted">{t('search.noResults', { q: query })}</p>}
    </div>
  );
}
