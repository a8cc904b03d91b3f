import { forwardRef, useEffect, useImperativeHandle, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Virtuoso, type VirtuosoHandle } from 'react-virtuoso';
import type { ChatMessage } from '@parley/client/sdk';
import { sameDay } from '../../i18n/format.ts';
import { ArrowDownIcon } from '../../ui/icons.tsx';
import { MessageItem, type RowInfo } from './MessageItem.tsx';

/** Far from 0, so older pages can be put in front without negative indexes (react-virtuoso's firstItemIndex). */
const START = 1_000_000;

export interface MessageListHandle {
  /** Scroll to a message and flash it; false when it is not loaded. */
  scrollToMessage(id: string): boolean;
  scrollToBottom(): void;
}

type ItemProps = Omit<Parameters<typeof MessageItem>[0], 'message' | 'info'>;

interface Props extends ItemProps {
  messages: ChatMessage[];
  hasMore: boolean;
  /** The reader's marker when the conversation was opened: the divider goes above the first message after it. */
  readSeq: number;
  isGroup: boolean;
  loadOlder(): Promise<number>;
  header: React.ReactNode;
  footer: React.ReactNode;
}

/**
 * The virtualized message list: only the rows near the viewport are in the DOM.
 * Scrolling to the top loads the next older page (50) and keeps the reader's
 * place; new messages are followed while at the bottom, counted otherwise.
 */
export const MessageList = forwardRef<MessageListHandle, Props>(function MessageList({ messages, hasMore, readSeq, isGroup, loadOlder, header, footer, ...item }, ref) {
  const { t } = useTranslation();
  const virtuoso = useRef<VirtuosoHandle>(null);
  const [firstItemIndex, setFirstItemIndex] = useState(START);
  const previous = useRef<{ firstId: string | undefined; length: number; lastId: string | undefined }>({ firstId: undefined, length: 0, lastId: undefined });
  const [atBottom, setAtBottom] = useState(true);
  const [unseen, setUnseen] = useState(0);
  const [flash, setFlash] = useState<string | null>(null);

  // Older messages arrived in front: move the first index back by as many, so nothing jumps.
  useLayoutEffect(() => {
    const prev = previous.current;
    if (prev.firstId && messages[0]?.id !== prev.firstId) {
      const at = messages.findIndex((m) => m.id === prev.firstId);
      if (at > 0) setFirstItemIndex((i) => i - at);
    }
    // New ones at the end while scrolled up: count them for the "N new messages" button.
    if (!atBottom && prev.lastId && messages.at(-1)?.id !== prev.lastId) {
      const at = messages.findIndex((m) => m.id === prev.lastId);
      if (at >= 0) setUnseen((n) => n + messages.slice(at + 1).filter((m) => !m.mine).length);
    }
    previous.current = { firstId: messages[0]?.id, length: messages.length, lastId: messages.at(-1)?.id };
  }, [messages, atBottom]);

  useEffect(() => {
    if (atBottom) setUnseen(0);
  }, [atBottom]);

  const firstUnread = useMemo(() => messages.find((m) => m.seq !== null && m.seq > readSeq && !m.mine && m.kind !== 'system')?.id, [messages, readSeq]);

  const infos = useMemo(
    () =>
      messages.map((m, i): RowInfo => {
        const prev = messages[i - 1];
        const next = messages[i + 1];
        const newDay = !prev || !sameDay(prev.createdAt, m.createdAt);
        return {
          newDay,
          firstOfRun: newDay || !prev || prev.senderId !== m.senderId || prev.kind === 'system' || m.id === firstUnread,
          lastOfRun: !next || next.senderId !== m.senderId || !sameDay(next.createdAt, m.createdAt) || next.kind === 'system' || next.id === firstUnread,
          unreadDivider: m.id === firstUnread,
          showSender: isGroup && !m.mine,
          flash: m.id === flash,
        };
      }),
    [messages, firstUnread, isGroup, flash],
  );

  useImperativeHandle(
    ref,
    () => ({
      scrollToMessage(id: string) {
        const at = messages.findIndex((m) => m.id === id);
        if (at < 0) return false;
        virtuoso.current?.scrollToIndex({ index: at, align: 'center', behavior: 'auto' });
        setFlash(id);
        setTimeout(() => setFlash((f) => (f === id ? null : f)), 1600);
        return true;
      },
      scrollToBottom() {
        virtuoso.current?.scrollToIndex({ index: 'LAST', align: 'end', behavior: 'auto' });
      },
    }),
    [messages],
  );

  const initial = firstUnread ? Math.max(0, messages.findIndex((m) => m.id === firstUnread)) : messages.length - 1;
  // A conversation with nothing cached mounts empty and fills when its document syncs:
  // initialTopMostItemIndex has passed by then, so the reader is placed once, here, on
  // the first unread or the newest, whatever Virtuoso made of the empty list.
  const placed = useRef(messages.length > 0);
  useLayoutEffect(() => {
    if (placed.current || !messages.length) return;
    placed.current = true;
    virtuoso.current?.scrollToIndex({ index: Math.max(0, initial), align: firstUnread ? 'start' : 'end', behavior: 'auto' });
  }, [messages.length, initial, firstUnread]);

  return (
    <div className="message-scroll-wrap">
      <Virtuoso
        ref={virtuoso}
        className="message-scroll"
        data={messages}
        firstItemIndex={firstItemIndex}
        initialTopMostItemIndex={{ index: Math.max(0, initial), align: firstUnread ? 'start' : 'end' }}
        computeItemKey={(_, m) => m.id}
        startReached={() => {
          if (hasMore) void loadOlder();
        }}
        followOutput={(bottom) => (bottom ? 'auto' : false)}
        atBottomStateChange={setAtBottom}
        atBottomThreshold={80}
        increaseViewportBy={{ top: 400, bottom: 200 }}
        components={{ Header: () => <>{header}</>, Footer: () => <>{footer}</> }}
        itemContent={(index, m) => <MessageItem message={m} info={infos[index - firstItemIndex] ?? infos[0]!} {...item} />}
      />
      {!atBottom && (
        <button type="button" className="jump-latest" onClick={() => virtuoso.current?.scrollToIndex({ index: 'LAST', align: 'end' })}>
          <ArrowDownIcon />
          {unseen > 0 ? t('pane.newMessages', { count: unseen }) : t('pane.jumpLatest')}
        </button>
      )}
    </div>
  );
});
