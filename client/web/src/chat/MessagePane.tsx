import { useCallback, useEffect, useLayoutEffect, useRef, useState, type KeyboardEvent } from 'react';
import type { User } from '@parley/schema';
import type { ChatMessage, ConversationHandle, ConversationView, ParleyClient } from '@parley/client/sdk';
import { clock, dayLabel, sameDay } from '../time.ts';
import { Avatar } from './Avatar.tsx';
import { conversationName, nameOf, systemText } from './names.ts';

interface Props {
  client: ParleyClient;
  me: User;
  conversation: ConversationView;
  onBack: () => void;
  onToggleDetails: () => void;
}

/**
 * The open conversation, live through the SDK: the document's window, history
 * pages, and this user's unconfirmed sends ("sending…"), merged by the SDK.
 */
export function MessagePane({ client, me, conversation, onBack, onToggleDetails }: Props) {
  const [handle, setHandle] = useState<ConversationHandle | null>(null);
  const [messages, setMessages] = useState<ChatMessage[] | null>(null);
  const [hasMore, setHasMore] = useState(true);
  const [typing, setTyping] = useState<string[]>([]);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const scroller = useRef<HTMLDivElement>(null);
  // Older pages arrive on top: keep the reader's place. New messages: follow them if at the bottom.
  const anchor = useRef<{ height: number; top: number } | null>(null);
  const atBottom = useRef(true);
  const id = conversation.id;

  useEffect(() => {
    let alive = true;
    let offs: Array<() => void> = [];
    client.openConversation(id).then(
      async (h) => {
        if (!alive) return void client.closeConversation(id);
        const update = () => {
          setMessages([...h.messages()]);
          setHasMore(h.hasMore);
          setTyping(h.typingUsers());
        };
        offs = [h.on('change', update), h.on('typing', setTyping), h.on('reset', update)];
        setHandle(h);
        update();
        // The first page settles whether there is history before the window.
        try {
          await h.loadOlder();
        } catch {
          // Offline: the cached pages are shown; the button retries.
        }
        if (alive) update();
      },
      (e: unknown) => alive && setError(e instanceof Error ? e.message : 'Could not open the conversation.'),
    );
    return () => {
      alive = false;
      for (const off of offs) off();
      void client.closeConversation(id);
    };
  }, [client, id]);

  // Reading the conversation while it is on screen marks it read.
  useEffect(() => {
    if (!messages?.length || document.visibilityState !== 'visible') return;
    void client.markRead(id).catch(() => undefined);
  }, [client, id, messages]);

  useEffect(() => {
    const onVisible = () => document.visibilityState === 'visible' && void client.markRead(id).catch(() => undefined);
    document.addEventListener('visibilitychange', onVisible);
    return () => document.removeEventListener('visibilitychange', onVisible);
  }, [client, id]);

  const loadOlder = useCallback(async () => {
    if (!handle || loadingOlder || !hasMore) return;
    setLoadingOlder(true);
    const el = scroller.current;
    if (el) anchor.current = { height: el.scrollHeight, top: el.scrollTop };
    try {
      await handle.loadOlder();
      setError(null);
    } catch (e) {
      anchor.current = null;
      setError(e instanceof Error ? e.message : 'Could not load older messages.');
    } finally {
      setLoadingOlder(false);
    }
  }, [handle, loadingOlder, hasMore]);

  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el || !messages) return;
    if (anchor.current) {
      el.scrollTop = el.scrollHeight - anchor.current.height + anchor.current.top;
      anchor.current = null;
    } else if (atBottom.current) el.scrollTop = el.scrollHeight;
  }, [messages, typing]);

  const name = conversationName(conversation);
  const online = conversation.type === 'direct' ? conversation.online : undefined;
  const typingNames = typing.map((u) => nameOf(u, me, conversation) ?? 'Someone');
  const subtitle = typingNames.length
    ? `${typingNames.join(', ')} ${typingNames.length === 1 ? 'is' : 'are'} typing…`
    : conversation.type === 'direct'
      ? [conversation.peer ? `@${conversation.peer.username}` : 'Direct chat', online ? 'online' : 'offline'].join(' · ')
      : `${conversation.memberCount ?? 'Several'} members`;

  return (
    <section className="pane messages" aria-label={`Conversation with ${name}`}>
      <header className="pane-header">
        <button className="icon-button back" aria-label="Back to conversations" onClick={onBack}>
          ‹
        </button>
        <Avatar id={conversation.peer?.id ?? conversation.id} name={name} size={38} online={online} />
        <div className="pane-title">
          <h2>{name}</h2>
          <span className={typingNames.length ? 'typing-line' : 'muted'}>{subtitle}</span>
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
          const el = e.currentTarget;
          atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 60;
          if (el.scrollTop < 80) void loadOlder();
        }}
      >
        {error && <div className="notice error">{error}</div>}
        {messages === null && !error && <p className="center muted">Loading messages…</p>}
        {messages && hasMore && (
          <div className="center">
            <button className="link" onClick={() => void loadOlder()} disabled={loadingOlder}>
              {loadingOlder ? 'Loading…' : 'Load older messages'}
            </button>
          </div>
        )}
        {messages && !hasMore && (
          <div className="conversation-start">
            <Avatar id={conversation.peer?.id ?? conversation.id} name={name} size={72} />
            <h3>{name}</h3>
            <p className="muted">This is the beginning of your conversation{conversation.type === 'direct' ? ` with ${name}` : ''}.</p>
          </div>
        )}
        {messages && <MessageList client={client} me={me} conversation={conversation} messages={messages} />}
        {typingNames.length > 0 && (
          <div className="typing-bubble" aria-label={`${typingNames.join(', ')} typing`}>
            <span />
            <span />
            <span />
          </div>
        )}
      </div>

      <Composer
        client={client}
        handle={handle}
        conversationId={id}
        closed={conversation.status !== 'active'}
        onSent={() => {
          atBottom.current = true;
        }}
      />
    </section>
  );
}

function MessageList({ client, me, conversation, messages }: { client: ParleyClient; me: User; conversation: ConversationView; messages: ChatMessage[] }) {
  return (
    <ol className="message-list">
      {messages.map((m, i) => {
        const prev = messages[i - 1];
        const next = messages[i + 1];
        const newDay = !prev || !sameDay(prev.createdAt, m.createdAt);
        const firstOfRun = newDay || !prev || prev.senderId !== m.senderId || prev.kind === 'system';
        const lastOfRun = !next || next.senderId !== m.senderId || !sameDay(next.createdAt, m.createdAt) || next.kind === 'system';
        return (
          <li key={m.id}>
            {newDay && (
              <div className="day-divider">
                <span>{dayLabel(m.createdAt)}</span>
              </div>
            )}
            {m.kind === 'system' || m.kind === 'call' ? (
              <div className="system-message">{m.kind === 'call' ? m.text || 'Call' : systemText(m, me, conversation)}</div>
            ) : (
              <div
                className={`message-row${m.mine ? ' mine' : ''}${firstOfRun ? ' first' : ''}${lastOfRun ? ' last' : ''} ${m.status}`}
                data-status={m.status}
                data-seq={m.seq ?? undefined}
              >
                <div className={`bubble${m.recalledAt ? ' recalled' : ''}`}>
                  {m.recalledAt ? <em>Message recalled</em> : <MessageBody message={m} />}
                  <span className="meta">
                    {m.editedAt && !m.recalledAt ? 'edited · ' : ''}
                    {clock(m.createdAt)}
                    {m.mine && <Status message={m} />}
                  </span>
                </div>
                {m.status === 'failed' && (
                  <div className="failed-line" role="alert">
                    Not sent{m.error ? `: ${m.error.message}` : ''}.{' '}
                    {m.retryable !== false && (
                      <button className="link" onClick={() => client.retryMessage(m.id)}>
                        Retry
                      </button>
                    )}{' '}
                    <button className="link muted-link" onClick={() => client.discardMessage(m.id)}>
                      Delete
                    </button>
                  </div>
                )}
              </div>
            )}
          </li>
        );
      })}
    </ol>
  );
}

/** Sending (clock), sent (one tick), read by someone (two ticks). */
function Status({ message }: { message: ChatMessage }) {
  if (message.status === 'pending')
    return (
      <svg className="tick" viewBox="0 0 16 16" width="14" height="14" aria-label="Sending">
        <circle cx="8" cy="8" r="6" fill="none" stroke="currentColor" strokeWidth="1.5" />
        <path d="M8 5v3.2l2 1.3" fill="none" stroke="currentColor" strokeWidth="1.5" strokeLinecap="round" />
      </svg>
    );
  if (message.status === 'failed') return <span className="tick failed" aria-label="Not sent">!</span>;
  return (
    <svg className="tick" viewBox="0 0 22 16" width="19" height="14" aria-label={message.readBy > 0 ? 'Read' : 'Sent'}>
      <path d="M1.5 8.5l3.5 3.5 7-7.5" fill="none" stroke="currentColor" strokeWidth="1.7" strokeLinecap="round" strokeLinejoin="round" />
      {message.readBy > 0 && <path d="M9 11.5l.5.5 7-7.5" fill="none" stroke="currentColor" strokeWidth="1.7" strokeLinecap="round" strokeLinejoin="round" />}
    </svg>
  );
}

function MessageBody({ message }: { message: ChatMessage }) {
  if (message.kind === 'text' || !message.media) return <span className="text">{message.text}</span>;
  return (
    <span className="text">
      <span className="attachment">{message.media.name ?? message.kind}</span>
      {message.text && <span>{message.text}</span>}
    </span>
  );
}

/**
 * Writes into the user's outbox through the SDK: the message shows at once as
 * "sending", offline too, and turns "sent" when the server assigns its seq.
 * The draft follows the user to their other tabs and devices.
 */
function Composer({ client, handle, conversationId, closed, onSent }: { client: ParleyClient; handle: ConversationHandle | null; conversationId: string; closed: boolean; onSent: () => void }) {
  const [text, setText] = useState(() => client.getDraft(conversationId)?.text ?? '');
  const [error, setError] = useState<string | null>(null);
  const draftTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const input = useRef<HTMLTextAreaElement>(null);

  useEffect(() => () => {
    if (draftTimer.current) clearTimeout(draftTimer.current);
  }, []);

  function saveDraft(value: string) {
    if (draftTimer.current) clearTimeout(draftTimer.current);
    draftTimer.current = setTimeout(() => {
      try {
        client.setDraft(conversationId, value);
      } catch {
        // Not connected yet: the draft stays in the box.
      }
    }, 400);
  }

  async function send() {
    const body = text.trim();
    if (!body) return;
    setText('');
    saveDraft('');
    handle?.setTyping(false);
    onSent();
    try {
      await client.sendMessage({ conversationId, text: body });
      setError(null);
    } catch (e) {
      // Refused before it was queued (too long, …): give the text back.
      setText(body);
      setError(e instanceof Error ? e.message : 'Could not send.');
    }
    input.current?.focus();
  }

  function onKeyDown(e: KeyboardEvent<HTMLTextAreaElement>) {
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      void send();
    }
  }

  if (closed) {
    return (
      <footer className="composer">
        <p className="composer-note">This conversation is closed.</p>
      </footer>
    );
  }

  return (
    <footer className="composer">
      {error && (
        <p className="composer-error" role="alert">
          {error}
        </p>
      )}
      <div className="composer-box">
        <textarea
          ref={input}
          rows={Math.min(6, text.split('\n').length)}
          placeholder="Write a message"
          aria-label="Message"
          value={text}
          autoFocus
          onChange={(e) => {
            setText(e.target.value);
            saveDraft(e.target.value);
            handle?.setTyping(e.target.value.length > 0);
          }}
          onKeyDown={onKeyDown}
        />
        <button className="send" disabled={!text.trim()} aria-label="Send" onClick={() => void send()}>
          <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true">
            <path d="M4 12l16-8-6 16-2.5-6.5L4 12z" fill="currentColor" />
          </svg>
        </button>
      </div>
    </footer>
  );
}
