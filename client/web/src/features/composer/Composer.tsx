import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { LIMITS } from '@parley/schema';
import type { ChatMessage, ConversationHandle } from '@parley/client/sdk';
import { useClient } from '../../client/ClientContext.tsx';
import { IconButton } from '../../ui/IconButton.tsx';
import { SendIcon, SmileIcon } from '../../ui/icons.tsx';
import { EmojiPicker } from './EmojiPicker.tsx';
import { AttachButton, usePicked } from '../media/AttachButton.tsx';
import { AttachTray } from '../media/AttachTray.tsx';
import { pickFiles } from '../media/attach.ts';
import { sendPicked } from '../media/sendPicked.ts';

export interface ComposerProps {
  handle: ConversationHandle | null;
  conversationId: string;
  /** Why nothing can be sent here (closed, left), or null. */
  blocked: string | null;
  replyTo: ChatMessage | null;
  editing: ChatMessage | null;
  nameOf: (userId: string) => string;
  onCancel: () => void;
  /** Up arrow in an empty box: edit this user's last message. */
  onEditLast: () => void;
  onSent: () => void;
}

/** Touch screens: Enter breaks the line and the button sends (a phone keyboard has no Shift+Enter). */
const coarse = () => window.matchMedia?.('(pointer: coarse)').matches ?? false;
/** The counter shows from here on. */
const COUNTER_FROM = LIMITS.textMaxLength - 500;

/**
 * Writes into the user's outbox through the SDK: the message shows at once as
 * "sending", offline too, and turns "sent" when the server assigns its seq.
 * The draft follows the user to their other tabs and devices.
 */
export function Composer({ handle, conversationId, blocked, replyTo, editing, nameOf, onCancel, onEditLast, onSent }: ComposerProps) {
  const { t, i18n } = useTranslation();
  const client = useClient();
  const picked = usePicked(conversationId);
  const [text, setText] = useState(() => client.getDraft(conversationId)?.text ?? '');
  const [error, setError] = useState<string | null>(null);
  const [picker, setPicker] = useState(false);
  const draftTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const input = useRef<HTMLTextAreaElement>(null);
  const saved = useRef<string | null>(null);

  useEffect(
    () => () => {
      if (draftTimer.current) clearTimeout(draftTimer.current);
    },
    [],
  );

  // Editing puts the message's text in the box; cancelling gives the draft back.
  useEffect(() => {
    if (editing) {
      saved.current = text;
      setText(editing.text);
    } else if (saved.current !== null) {
      setText(saved.current);
      saved.current = null;
    }
    input.current?.focus();
    // Only when what is edited changes, not on each keystroke.
  }, [editing?.id]);

  useEffect(() => {
    if (replyTo) input.current?.focus();
  }, [replyTo]);

  function saveDraft(value: string) {
    if (editing) return;
    if (draftTimer.current) clearTimeout(draftTimer.current);
    draftTimer.current = setTimeout(() => {
      try {
        client.setDraft(conversationId, value);
      } catch {
        // Not connected yet: the draft stays in the box.
      }
    }, 400);
  }

  const length = [...text].length;
  const over = length - LIMITS.textMaxLength;

  async function send() {
    const body = text.trim();
    if ((!body && (editing || picked === 0)) || over > 0) return;
    handle?.setTyping(false);
    try {
      if (!editing && picked > 0) {
        onSent();
        await sendPicked(client, conversationId, replyTo?.id);
        if (!body) return onCancel();
      }
      if (editing) {
        if (body !== editing.text) await client.editMessage(conversationId, editing.id, body);
        setText(saved.current ?? '');
        saved.current = null;
        onCancel();
      } else {
        setText('');
        saveDraft('');
        onSent();
        await client.sendMessage({ conversationId, text: body, ...(replyTo ? { replyTo: replyTo.id } : {}) });
        onCancel();
      }
      setError(null);
    } catch (e) {
      // Refused before it was queued (too long, …): give the text back.
      setText(body);
      setError(e instanceof Error ? e.message : t('composer.failed'));
    }
    input.current?.focus();
  }

  function onKeyDown(e: KeyboardEvent<HTMLTextAreaElement>) {
    if (e.nativeEvent.isComposing) return;
    if (e.key === 'Enter' && !e.shiftKey && !coarse()) {
      e.preventDefault();
      void send();
    } else if (e.key === 'ArrowUp' && text === '' && !editing) {
      e.preventDefault();
      onEditLast();
    } else if (e.key === 'Escape' && (editing || replyTo)) {
      e.preventDefault();
      onCancel();
    }
  }

  function insert(emoji: string) {
    const el = input.current;
    const at = el?.selectionStart ?? text.length;
    const end = el?.selectionEnd ?? at;
    const next = text.slice(0, at) + emoji + text.slice(end);
    setText(next);
    saveDraft(next);
    setPicker(false);
    requestAnimationFrame(() => {
      el?.focus();
      el?.setSelectionRange(at + emoji.length, at + emoji.length);
    });
  }

  if (blocked) {
    return (
      <footer className="composer">
        <p className="composer-note">{blocked}</p>
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
      {(replyTo || editing) && (
        <div className="composer-context">
          <span className="composer-context-text">
            <strong>{editing ? t('composer.editing') : t('composer.replyingTo', { name: nameOf(replyTo!.senderId) })}</strong>
            {replyTo && <span className="muted">{replyTo.text}</span>}
          </span>
          <IconButton label={t('composer.cancel')} onClick={onCancel}>
            ✕
          </IconButton>
        </div>
      )}
      {!editing && <AttachTray conversationId={conversationId} />}
      <div className="composer-box">
        {!editing && <AttachButton conversationId={conversationId} />}
        <div className="emoji-anchor">
          <IconButton label={t('composer.emoji')} aria-expanded={picker} onClick={() => setPicker((v) => !v)}>
            <SmileIcon />
          </IconButton>
          {picker && <EmojiPicker onPick={insert} onClose={() => setPicker(false)} />}
        </div>
        <textarea
          ref={input}
          rows={Math.min(6, text.split('\n').length)}
          placeholder={t('composer.placeholder')}
          aria-label={t('composer.label')}
          aria-invalid={over > 0 || undefined}
          value={text}
          autoFocus
          enterKeyHint={coarse() ? 'enter' : 'send'}
          onChange={(e) => {
            setText(e.target.value);
            saveDraft(e.target.value);
            handle?.setTyping(e.target.value.length > 0);
          }}
          onBlur={() => handle?.setTyping(false)}
          onKeyDown={onKeyDown}
          onPaste={(e) => {
            // Pasted images and files go to the tray; pasted text stays text.
            if (editing || e.clipboardData.files.length === 0) return;
            e.preventDefault();
            pickFiles(conversationId, e.clipboardData.files, t, i18n.language);
          }}
        />
        <button className="send" disabled={(!text.trim() && (picked === 0 || !!editing)) || over > 0} aria-label={t('composer.send')} title={t('composer.send')} onClick={() => void send()}>
          <SendIcon />
        </button>
      </div>
      {length >= COUNTER_FROM && (
        <p className={`composer-counter${over > 0 ? ' over' : ''}`} role={over > 0 ? 'alert' : undefined} aria-live="polite">
          {over > 0 ? t('composer.tooLong', { count: over, limit: LIMITS.textMaxLength }) : t('composer.counter', { count: LIMITS.textMaxLength - length })}
        </p>
      )}
    </footer>
  );
}
