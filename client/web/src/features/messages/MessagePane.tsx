import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ChatMessage, ConversationView } from '@parley/client/sdk';
import { useClient } from '../../client/ClientContext.tsx';
import { useConversation } from '../../hooks/useConversation.ts';
import { useNames } from '../../hooks/useNames.ts';
import { usePresence } from '../../hooks/usePresence.ts';
import { useTyping } from '../../hooks/useTyping.ts';
import { useConnection } from '../../stores/connection.ts';
import { useConversationDetail, useConversations } from '../../stores/conversations.ts';
import { useMe } from '../../stores/session.ts';
import { selectConversation, toggleDetails, useUi } from '../../stores/ui.ts';
import { Avatar } from '../../ui/Avatar.tsx';
import { IconButton } from '../../ui/IconButton.tsx';
import { InfoIcon } from '../../ui/icons.tsx';
import { CallButtons } from '../calls/CallButtons.tsx';
import { MediaLayer } from '../media/MediaLayer.tsx';
import { Composer } from '../composer/Composer.tsx';
import { conversationName, systemText } from '../conversations/names.ts';
import { MessageList, type MessageListHandle } from './MessageList.tsx';
import { canEdit, canReact, canRecall, canReply } from './rules.ts';

/** What a message's menu can do; built once per pane, checked against the server's rules per message. */
export interface MessageActions {
  meId: string;
  isGroup: boolean;
  allowed(m: ChatMessage): { reply: boolean; edit: boolean; recall: boolean; react: boolean; any: boolean };
  reply(m: ChatMessage): void;
  edit(m: ChatMessage): void;
  recall(m: ChatMessage): void;
  react(m: ChatMessage, emoji: string, remove: boolean): void;
  copy(m: ChatMessage): void;
  jumpTo(id: string, seq: number): void;
}

/**
 * The open conversation, live through the SDK: the document's window, history
 * pages and this user's unconfirmed sends, merged by the SDK, in a virtualized list.
 */
export function MessagePane({ conversation }: { conversation: ConversationView }) {
  const { t } = useTranslation();
  const client = useClient();
  const me = useMe();
  const id = conversation.id;
  const { handle, messages, hasMore, ready, meta, error, loadingOlder, loadOlder } = useConversation(id);
  const offline = useConnection((s) => s.connectivity === 'offline');
  const typing = useTyping(handle);
  const nameOf = useNames(conversation);
  const detail = useConversationDetail(id);
  const people = useConversations((s) => s.people);
  const peerOnline = usePresence(conversation.type === 'direct' ? conversation.peer?.id : null);
  const list = useRef<MessageListHandle>(null);
  const [replyTo, setReplyTo] = useState<ChatMessage | null>(null);
  const [editing, setEditing] = useState<ChatMessage | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  // The divider sits where the reader was when the conversation opened.
  const [readSeq] = useState(conversation.readSeq);
  const isGroup = conversation.type !== 'direct';
  const role = meta.members?.find((m) => m.userId === me.id)?.role ?? conversation.role;
  // No longer a member: the document's members say so, or (the server disconnects a removed
  // member from the document, A3) the last membership change naming this user, in the window or the inbox.
  const lastChange = [...(messages ?? []), ...(conversation.lastMessage ? [conversation.lastMessage] : [])]
    .filter((m) => m.system && ['membersAdded', 'memberRemoved', 'memberLeft'].includes(m.system.event) && m.system.userIds?.includes(me.id))
    .sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0))
    .at(-1);
  const refused = useConversations((s) => !!s.left[id]);
  const left = refused || (!!meta.members && !meta.members.some((m) => m.userId === me.id)) || (!!lastChange && lastChange.system!.event !== 'membersAdded');

  // Reading the conversation while it is on screen marks it read.
  useEffect(() => {
    if (!messages?.length || document.visibilityState !== 'visible' || left) return;
    void client.markRead(id).catch(() => undefined);
  }, [client, id, messages, left]);

  useEffect(() => {
    const onVisible = () => document.visibilityState === 'visible' && void client.markRead(id).catch(() => undefined);
    document.addEventListener('visibilitychange', onVisible);
    return () => document.removeEventListener('visibilitychange', onVisible);
  }, [client, id]);

  /** Scroll to a message, loading older pages until it is there (a reply's original, a search hit). */
  const jumpTo = useCallback(
    async (messageId: string) => {
      for (let i = 0; i < 200; i++) {
        if (list.current?.scrollToMessage(messageId)) return;
        if (!handle?.hasMore) break;
        const added = await loadOlder();
        // Let the list render the new page before looking again.
        await new Promise((r) => requestAnimationFrame(r));
        if (added === 0 && !handle.hasMore) break;
      }
      if (!list.current?.scrollToMessage(messageId)) setNotice(t('message.originalGone'));
    },
    [handle, loadOlder, t],
  );

  // A search hit asked for a message of this conversation.
  const focus = useUi((s) => s.focusMessage);
  useEffect(() => {
    if (!focus || focus.conversationId !== id || !messages) return;
    useUi.setState({ focusMessage: null });
    void jumpTo(focus.messageId);
  }, [focus, id, messages, jumpTo]);

  const actions = useMemo<MessageActions>(
    () => ({
      meId: me.id,
      isGroup,
      allowed(m) {
        const a = { reply: !left && canReply(m), edit: !left && canEdit(m), recall: !left && canRecall(m, conversation, role), react: !left && canReact(m) };
        return { ...a, any: a.reply || a.edit || a.recall || a.react || !!m.text };
      },
      reply: (m) => (setEditing(null), setReplyTo(m)),
      edit: (m) => (setReplyTo(null), setEditing(m)),
      recall(m) {
        if (!window.confirm(t('message.recallConfirm'))) return;
        void client.recallMessage(id, m.id).catch((e: unknown) => setNotice(e instanceof Error ? e.message : String(e)));
      },
      react(m, emoji, remove) {
        void (remove ? client.unreact(id, m.id, emoji) : client.react(id, m.id, emoji)).catch((e: unknown) => setNotice(e instanceof Error ? e.message : String(e)));
      },
      copy(m) {
        void navigator.clipboard?.writeText(m.text).then(() => setNotice(t('message.copied')), () => undefined);
      },
      jumpTo: (mid) => void jumpTo(mid),
    }),
    [me.id, isGroup, left, conversation, role, client, id, t, jumpTo],
  );

  useEffect(() => {
    if (!notice) return;
    const timer = setTimeout(() => setNotice(null), 2500);
    return () => clearTimeout(timer);
  }, [notice]);

  const name = conversationName(conversation, t);
  const typingNames = typing.filter((u) => u !== me.id).map(nameOf);
  const presence = peerOnline === undefined ? t('details.unknown') : peerOnline ? t('list.online') : t('list.offline');
  const subtitle = typingNames.length
    ? t('pane.typing', { count: typingNames.length, names: typingNames.join(', ') })
    : conversation.type === 'direct'
      ? // Presence first: on a narrow screen the line is cut at its end.
        [presence, conversation.peer ? `@${conversation.peer.username}` : t('names.directChat')].join(' · ')
      : t('pane.members', { count: meta.members?.length ?? detail?.members.length ?? conversation.memberCount ?? 0 });

  const blocked = left ? t('composer.readOnly') : conversation.status !== 'active' ? t('composer.closed') : null;
  const avatarOf = (uid: string) => detail?.members.find((m) => m.id === uid)?.avatarUrl ?? people[uid]?.avatarUrl;

  const header = (
    <>
      {error && <div className="notice error">{error}</div>}
      {messages && hasMore && (
        <div className="center">
          <button className="link" onClick={() => void loadOlder()} disabled={loadingOlder}>
            {loadingOlder ? t('pane.loadingOlder') : t('pane.loadOlder')}
          </button>
        </div>
      )}
      {messages && !hasMore && (
        <div className="conversation-start">
          <Avatar id={conversation.peer?.id ?? conversation.id} name={name} size={72} imageUrl={conversation.type === 'direct' ? conversation.peer?.avatarUrl : conversation.avatarUrl} />
          <h3>{name}</h3>
          <p className="muted">{conversation.type === 'direct' ? t('pane.beginningWith', { name }) : t('pane.beginning')}</p>
        </div>
      )}
    </>
  );
  const footer =
    typingNames.length > 0 ? (
      <div className="typing-bubble" aria-label={t('pane.typingLabel', { names: typingNames.join(', ') })}>
        <span />
        <span />
        <span />
      </div>
    ) : (
      <div className="list-end" />
    );

  return (
    <section className="pane messages" aria-label={t('pane.with', { name })}>
      <MediaLayer conversationId={id} messages={messages ?? []} canSend={!blocked}>
      <header className="pane-header">
        <IconButton className="back" label={t('pane.back')} onClick={() => selectConversation(null)}>
          ‹
        </IconButton>
        <Avatar
          id={conversation.peer?.id ?? conversation.id}
          name={name}
          size={38}
          online={conversation.type === 'direct' ? (peerOnline ?? null) : undefined}
          imageUrl={conversation.type === 'direct' ? conversation.peer?.avatarUrl : conversation.avatarUrl}
        />
        <div className="pane-title">
          <h2>{name}</h2>
          <span className={typingNames.length ? 'typing-line' : 'muted'}>{subtitle}</span>
        </div>
        <CallButtons conversation={conversation} />
        <IconButton label={t('pane.details')} onClick={toggleDetails}>
          <InfoIcon />
        </IconButton>
      </header>

      {notice && (
        <div className="toast" role="status">
          {notice}
        </div>
      )}
      {messages === null && !error ? (
        <p className="center muted message-loading">{t('pane.loading')}</p>
      ) : (
        <MessageList
          ref={list}
          messages={messages ?? []}
          hasMore={hasMore}
          // Offline, nothing more is coming: what is there is shown.
          ready={ready || offline}
          readSeq={readSeq}
          isGroup={isGroup}
          loadOlder={loadOlder}
          header={header}
          footer={footer}
          handle={handle}
          nameOf={nameOf}
          avatarOf={avatarOf}
          systemText={(m) => systemText(m, nameOf, conversation, t)}
          actions={actions}
        />
      )}

      <Composer
        key={id}
        handle={handle}
        conversationId={id}
        blocked={blocked}
        replyTo={replyTo}
        editing={editing}
        nameOf={nameOf}
        onCancel={() => (setReplyTo(null), setEditing(null))}
        onEditLast={() => {
          const last = [...(messages ?? [])].reverse().find((m) => canEdit(m));
          if (last) setEditing(last);
        }}
        onSent={() => list.current?.scrollToBottom()}
      />
      </MediaLayer>
    </section>
  );
}
