import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { ConversationSummary, Message, User } from '@parley/schema';
import { api, ApiError } from '../api.ts';
import { clock, dayLabel, sameDay } from '../time.ts';
import { Avatar } from './Avatar.tsx';
import { conversationName } from './names.ts';

interface Props {
  me: User;
  conversation: ConversationSummary;
  onBack: () => void;
  onToggleDetails: () => void;
}

/** The open conversation: its history (REST, 50 at a time) and the composer. */
export function MessagePane({ me, conversation, onBack, onToggleDetails }: Props) {
  const [messages, setMessages] = useState<Message[] | null>(null);
  const [hasMore, setHasMore] = useState(false);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const scroller = useRef<HTMLDivElement>(null);
  // Scroll to the bottom on first load; keep the reader's place when older pages arrive on top.
  const anchor = useRef<{ height: number; top: number } | null>(null);

  useEffect(() => {
    let current = true;
    api
      .history(conversation.id)
      .then((page) => {
        if (!current) return;
        setMessages(page.items);
        setHasMore(page.hasMore);
      })
      .catch((e: unknown) => current && !(e instanceof ApiError && e.status === 401) && setError(e instanceof Error ? e.message : 'Could not load messages.'));
    return () => {
      current = false;
    };
  }, [conversation.id]);

  const loadOlder = useCallback(async () => {
    if (!messages?.length || loadingOlder || !hasMore) return;
    setLoadingOlder(true);
    const el = scroller.current;
    if (el) anchor.current = { height: el.scrollHeight, top: el.scrollTop };
    try {
      const page = await api.history(conversation.id, messages[0]!.seq);
      setMessages((list) => [...page.items, ...(list ?? [])]);
      setHasMore(page.hasMore);
    } catch (e) {
      setError(e instanceof Error ? e.message : 'Could not load older messages.');
    } finally {
      setLoadingOlder(false);
    }
  }, [conversation.id, messages, loadingOlder, hasMore]);

  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el || !messages) return;
    if (anchor.current) {
      el.scrollTop = el.scrollHeight - anchor.current.height + anchor.current.top;
      anchor.current = null;
    } else el.scrollTop = el.scrollHeight;
  }, [messages]);

  const name = conversationName(conversation);
  const subtitle = conversation.type === 'direct' ? (conversation.peer ? `@${conversation.peer.username}` : 'Direct chat') : `${conversation.memberCount} members`;

  return (
    <section className="pane messages" aria-label={`Conversation with ${name}`}>
      <header className="pane-header">
        <button className="icon-button back" aria-label="Back to conversations" onClick={onBack}>
          ‹
        </button>
        <Avatar id={conversation.peer?.id ?? conversation.id} name={name} size={38} />
        <div className="pane-title">
          <h2>{name}</h2>
          <span className="muted">{subtitle}</span>
        </div>
        <button className="icon-button" aria-label="Conversation details" title="Details" onClick={onToggleDetails}>
          <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true">
            <circle cx="12" cy="12" r="9" fill="none" stroke="currentColor" strokeWidth="2" />
            <path d="M12 11v6M12 7.5v.5" stroke="currentColor" strokeWidth="2" strokeLinecap="round" />
          </svg>
        </button>
      </header>

      <div
        className="message-scroll"
        ref={scroller}
        onScroll={(e) => {
          if (e.currentTarget.scrollTop < 80) void loadOlder();
        }}
      >
        {error && <div className="notice error">{error}</div>}
        {messages === null && !error && <p className="center muted">Loading messages…</p>}
        {hasMore && (
          <div className="center">
            <button className="link" onClick={() => void loadOlder()} disabled={loadingOlder}>
              {loadingOlder ? 'Loading…' : 'Load older messages'}
            </button>
          </div>
        )}
        {messages?.length === 0 && (
          <div className="conversation-start">
            <Avatar id={conversation.peer?.id ?? conversation.id} name={name} size={72} />
            <h3>{name}</h3>
            <p className="muted">This is the beginning of your conversation{conversation.type === 'direct' ? ` with ${name}` : ''}.</p>
          </div>
        )}
        {messages && <MessageList me={me} messages={messages} />}
      </div>

      <Composer />
    </section>
  );
}

function MessageList({ me, messages }: { me: User; messages: Message[] }) {
  return (
    <ol className="message-list">
      {messages.map((m, i) => {
        const prev = messages[i - 1];
        const next = messages[i + 1];
        const newDay = !prev || !sameDay(prev.createdAt, m.createdAt);
        const firstOfRun = newDay || !prev || prev.senderId !== m.senderId || prev.kind === 'system';
        const lastOfRun = !next || next.senderId !== m.senderId || !sameDay(next.createdAt, m.createdAt) || next.kind === 'system';
        const mine = m.senderId === me.id;
        return (
          <li key={m.id} className="message-row-wrap">
            {newDay && (
              <div className="day-divider">
                <span>{dayLabel(m.createdAt)}</span>
              </div>
            )}
            {m.kind === 'system' || m.kind === 'call' ? (
              <div className="system-message">{m.text || 'Conversation updated'}</div>
            ) : (
              <div className={`message-row${mine ? ' mine' : ''}${firstOfRun ? ' first' : ''}${lastOfRun ? ' last' : ''}`} data-seq={m.seq}>
                <div className={`bubble${m.recalledAt ? ' recalled' : ''}`}>
                  {m.recalledAt ? <em>Message recalled</em> : <MessageBody message={m} />}
                  <span className="meta">
                    {m.editedAt && !m.recalledAt ? 'edited · ' : ''}
                    {clock(m.createdAt)}
                  </span>
                </div>
              </div>
            )}
          </li>
        );
      })}
    </ol>
  );
}

function MessageBody({ message }: { message: Message }) {
  if (message.kind === 'text' || !message.media) return <span className="text">{message.text}</span>;
  return (
    <span className="text">
      <span className="attachment">📎 {message.media.name ?? message.kind}</span>
      {message.text && <span>{message.text}</span>}
    </span>
  );
}

/**
 * Sending goes through the user's outbox (CONTRACT.md, "Sync"), which the SDK
 * wraps. Until the web app runs on the SDK, the composer is shown disabled:
 * it never pretends that a message was sent.
 */
function Composer() {
  return (
    <footer className="composer disabled">
      <div className="composer-box">
        <textarea rows={1} disabled placeholder="Sending is not available yet" aria-label="Message" />
        <button className="send" disabled aria-label="Send">
          <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true">
            <path d="M4 12l16-8-6 16-2.5-6.5L4 12z" fill="currentColor" />
          </svg>
        </button>
      </div>
      <p className="composer-note">This build reads history only. Sending and live updates arrive with the sync client.</p>
    </footer>
  );
}
