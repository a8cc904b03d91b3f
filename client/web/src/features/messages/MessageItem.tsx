import { useRef, useState, type MouseEvent, type TouchEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { ChatMessage, ConversationHandle } from '@parley/client/sdk';
import { useClient } from '../../client/ClientContext.tsx';
import { clock, dayLabel, fullTime } from '../../i18n/format.ts';
import { Avatar } from '../../ui/Avatar.tsx';
import { IconButton } from '../../ui/IconButton.tsx';
import { DotsIcon, ReplyIcon, SmileIcon } from '../../ui/icons.tsx';
import { CallRecordLine } from '../calls/CallRecordLine.tsx';
import { EmojiPicker } from '../composer/EmojiPicker.tsx';
import { QUICK_REACTIONS } from '../composer/emoji.ts';
import { Linkified } from './Linkified.tsx';
import { isMediaMessage, MediaBody as MediaMessage } from '../media/MediaBody.tsx';
import type { MessageActions } from './MessagePane.tsx';

export interface RowInfo {
  newDay: boolean;
  firstOfRun: boolean;
  lastOfRun: boolean;
  unreadDivider: boolean;
  /** A group: others' messages carry their name and avatar. */
  showSender: boolean;
  flash: boolean;
}

interface Props {
  message: ChatMessage;
  info: RowInfo;
  handle: ConversationHandle | null;
  nameOf: (id: string) => string;
  avatarOf: (id: string) => string | null | undefined;
  systemText: (m: ChatMessage) => string;
  actions: MessageActions;
}

/** One row of the message list: dividers, a system line, or a bubble with its quote, reactions, status and actions. */
export function MessageItem({ message: m, info, handle, nameOf, avatarOf, systemText, actions }: Props) {
  const { t } = useTranslation();
  const client = useClient();
  const [menu, setMenu] = useState(false);
  const [picker, setPicker] = useState(false);
  const [readers, setReaders] = useState(false);
  const press = useRef<ReturnType<typeof setTimeout> | null>(null);
  const allowed = actions.allowed(m);

  const onContextMenu = (e: MouseEvent) => {
    if (!allowed.any) return;
    e.preventDefault();
    setMenu(true);
  };
  // Long-press on touch opens the same menu.
  const onTouchStart = (_e: TouchEvent) => {
    if (!allowed.any) return;
    press.current = setTimeout(() => setMenu(true), 500);
  };
  const cancelPress = () => press.current && clearTimeout(press.current);

  const dividers = (
    <>
      {info.newDay && (
        <div className="day-divider">
          <span>{dayLabel(m.createdAt)}</span>
        </div>
      )}
      {info.unreadDivider && (
        <div className="unread-divider" role="separator">
          <span>{t('pane.unread')}</span>
        </div>
      )}
    </>
  );

  if (m.kind === 'system' || m.kind === 'call') {
    return (
      <div className="message-item" data-seq={m.seq ?? undefined}>
        {dividers}
        <div className="system-message">{m.kind === 'call' ? <CallRecordLine message={m} meId={actions.meId} /> : systemText(m)}</div>
      </div>
    );
  }

  const reactions = Object.entries(m.reactions ?? {}).filter(([, users]) => users.length > 0);
  const mineReacted = (emoji: string) => (m.reactions?.[emoji] ?? []).includes(actions.meId);
  const toggle = (emoji: string) => actions.react(m, emoji, mineReacted(emoji));
  const senderName = nameOf(m.senderId);

  return (
    <div className="message-item" data-seq={m.seq ?? undefined} data-message-id={m.id}>
      {dividers}
      <div
        className={`message-row${m.mine ? ' mine' : ''}${info.firstOfRun ? ' first' : ''}${info.lastOfRun ? ' last' : ''}${info.showSender ? ' with-sender' : ''}${info.flash ? ' flash' : ''} ${m.status}`}
        data-status={m.status}
        data-seq={m.seq ?? undefined}
        onContextMenu={onContextMenu}
        onTouchStart={onTouchStart}
        onTouchEnd={cancelPress}
        onTouchMove={cancelPress}
      >
        {info.showSender && <span className="sender-avatar">{info.lastOfRun && <Avatar id={m.senderId} name={senderName} size={30} imageUrl={avatarOf(m.senderId)} />}</span>}
        <div className="bubble-column">
          {info.showSender && info.firstOfRun && <span className="sender-name">{senderName}</span>}
          <div className="bubble-line">
            <div className={`bubble${m.recalledAt ? ' recalled' : ''}`}>
              {m.replyTo && !m.recalledAt && (
                <button type="button" className="quote" aria-label={t('message.quoteJump')} onClick={() => actions.jumpTo(m.replyTo!.id, m.replyTo!.seq)}>
                  <strong>{nameOf(m.replyTo.senderId)}</strong>
                  <span>{m.replyTo.text || t('message.attachment')}</span>
                </button>
              )}
              {m.recalledAt ? <em>{t('message.recalled')}</em> : <MessageBody message={m} />}
              <span className="meta">
                {m.editedAt && !m.recalledAt ? <span className="edited">{t('message.edited')} · </span> : null}
                <time dateTime={new Date(m.createdAt).toISOString()} title={fullTime(m.createdAt)}>
                  {clock(m.createdAt)}
                </time>
                {m.mine && <Status message={m} />}
              </span>
            </div>
            {allowed.any && (
              <div className={`message-actions${menu || picker ? ' open' : ''}`} role="toolbar" aria-label={t('message.actions')}>
                {allowed.reply && (
                  <IconButton label={t('message.reply')} onClick={() => actions.reply(m)}>
                    <ReplyIcon />
                  </IconButton>
                )}
                {allowed.react && (
                  <IconButton label={t('message.react')} aria-expanded={picker} onClick={() => setPicker((v) => !v)}>
                    <SmileIcon />
                  </IconButton>
                )}
                <IconButton label={t('message.more')} aria-haspopup="menu" aria-expanded={menu} onClick={() => setMenu((v) => !v)}>
                  <DotsIcon />
                </IconButton>
                {picker && (
                  <EmojiPicker
                    choices={QUICK_REACTIONS}
                    onPick={(e) => {
                      toggle(e);
                      setPicker(false);
                    }}
                    onClose={() => setPicker(false)}
                  />
                )}
                {menu && <ActionMenu message={m} allowed={allowed} actions={actions} onClose={() => setMenu(false)} onReact={() => (setMenu(false), setPicker(true))} />}
              </div>
            )}
          </div>
          {reactions.length > 0 && (
            <div className="reactions">
              {reactions.map(([emoji, users]) => (
                <button
                  type="button"
                  key={emoji}
                  className={`reaction${mineReacted(emoji) ? ' mine' : ''}`}
                  aria-pressed={mineReacted(emoji)}
                  aria-label={t('message.reaction', { emoji, count: users.length, names: users.map(nameOf).join(', ') })}
                  title={users.map(nameOf).join(', ')}
                  onClick={() => toggle(emoji)}
                  disabled={!allowed.react}
                >
                  {emoji} <span>{users.length}</span>
                </button>
              ))}
            </div>
          )}
          {m.mine && m.status === 'sent' && m.readBy > 0 && actions.isGroup && (
            <div className="read-by">
              <button type="button" className="link" aria-expanded={readers} onClick={() => setReaders((v) => !v)}>
                {t('message.readBy', { count: m.readBy })}
              </button>
              {readers && (
                <ul className="readers" aria-label={t('message.readers')}>
                  {(handle?.readers(m.id) ?? []).map((id) => (
                    <li key={id}>{nameOf(id)}</li>
                  ))}
                </ul>
              )}
            </div>
          )}
          {m.status === 'failed' && (
            <div className="failed-line" role="alert">
              {m.error ? t('message.notSentBecause', { reason: m.error.message }) : t('message.notSent')}{' '}
              {m.retryable !== false && (
                <button className="link" onClick={() => client.retryMessage(m.id)}>
                  {t('message.retry')}
                </button>
              )}{' '}
              <button className="link muted-link" onClick={() => client.discardMessage(m.id)}>
                {t('message.delete')}
              </button>
            </div>
          )}
        </div>
      </div>
    </div>
  );
}

function ActionMenu({ message, allowed, actions, onClose, onReact }: { message: ChatMessage; allowed: ReturnType<MessageActions['allowed']>; actions: MessageActions; onClose: () => void; onReact: () => void }) {
  const { t } = useTranslation();
  const run = (f: () => void) => () => {
    f();
    onClose();
  };
  return (
    <div
      className="action-menu"
      role="menu"
      tabIndex={-1}
      ref={(el) => el?.querySelector('button')?.focus()}
      onKeyDown={(e) => e.key === 'Escape' && onClose()}
      onBlur={(e) => !e.currentTarget.contains(e.relatedTarget as Node) && onClose()}
    >
      {allowed.reply && (
        <button role="menuitem" onClick={run(() => actions.reply(message))}>
          {t('message.reply')}
        </button>
      )}
      {allowed.react && (
        <button role="menuitem" onClick={onReact}>
          {t('message.react')}
        </button>
      )}
      {allowed.edit && (
        <button role="menuitem" onClick={run(() => actions.edit(message))}>
          {t('message.edit')}
        </button>
      )}
      {!message.recalledAt && message.text && (
        <button role="menuitem" onClick={run(() => actions.copy(message))}>
          {t('message.copy')}
        </button>
      )}
      {allowed.recall && (
        <button role="menuitem" className="danger" onClick={run(() => actions.recall(message))}>
          {t('message.recall')}
        </button>
      )}
    </div>
  );
}

/** Sending (clock), sent (one tick), read by someone (two ticks). */
function Status({ message }: { message: ChatMessage }) {
  const { t } = useTranslation();
  if (message.status === 'pending')
    return (
      <svg className="tick" viewBox="0 0 16 16" width="14" height="14" role="img" aria-label={t('message.sending')}>
        <circle cx="8" cy="8" r="6" fill="none" stroke="currentColor" strokeWidth="1.5" />
        <path d="M8 5v3.2l2 1.3" fill="none" stroke="currentColor" strokeWidth="1.5" strokeLinecap="round" />
      </svg>
    );
  if (message.status === 'failed')
    return (
      <span className="tick failed" role="img" aria-label={t('message.notSent')}>
        !
      </span>
    );
  return (
    <svg className="tick" viewBox="0 0 22 16" width="19" height="14" role="img" aria-label={message.readBy > 0 ? t('message.read') : t('message.sent')}>
      <path d="M1.5 8.5l3.5 3.5 7-7.5" fill="none" stroke="currentColor" strokeWidth="1.7" strokeLinecap="round" strokeLinejoin="round" />
      {message.readBy > 0 && <path d="M9 11.5l.5.5 7-7.5" fill="none" stroke="currentColor" strokeWidth="1.7" strokeLinecap="round" strokeLinejoin="round" />}
    </svg>
  );
}

function MessageBody({ message }: { message: ChatMessage }) {
  const { t } = useTranslation();
  if (isMediaMessage(message)) return <MediaMessage message={message} />;
  if (message.kind === 'text' || !message.media)
    return (
      <span className="text">
        <Linkified text={message.text} />
      </span>
    );
  return (
    <span className="text">
      <span className="attachment">{message.media.name ?? t('message.attachment')}</span>
      {message.text && <Linkified text={message.text} />}
    </span>
  );
}
