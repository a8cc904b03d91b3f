import { forwardRef, useCallback, useEffect, useImperativeHandle, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Virtuoso, type VirtuosoHandle } from 'react-virtuoso';
import type { ChatMessage } from '@parley/client/sdk';
import { sameDay } from '../../i18n/format.ts';
import { ArrowDownIcon } from '../../ui/icons.tsx';
import { MessageItem, type RowInfo } from './MessageItem.tsx';

/** Far from 0, so older pages can be put in front without negative indexes (react-virtuoso's firstItemIndex). */
const START = 1_000_000;
/** Within this many pixels of the end, the reader is at the newest. */
const BOTTOM = 80;

export interface MessageListHandle {
  /** Scroll to a message and flash it; false when it is not loaded. */
  scrollToMessage(id: string): boolean;
  scrollToBottom(): void;
}

type ItemProps = Omit<Parameters<typeof MessageItem>[0], 'message' | 'info'>;

interface Props extends ItemProps {
  messages: ChatMessage[];
  hasMore: boolean;
  /** The newest messages are known (the conversation's `ready`, or offline). */
  ready: boolean;
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
export const MessageList = forwardRef<MessageListHandle, Props>(function MessageList({ ready, ...props }, ref) {
  // Virtuoso places the reader once, on the rows it mounts with. Before the document has synced
  // (or loaded from this device) those can be a history page that landed first, the window of
  // newest messages still to come around it; a conversation whose window is empty has nothing
  // to place the reader on until the first page lands. The list mounts when both are past.
  if (!ready || (!props.messages.length && props.hasMore)) {
    return (
      <div className="message-scroll-wrap">
        <div className="message-scroll">{props.header}</div>
      </div>
    );
  }
  return <Placed {...props} ref={ref} />;
});

/** Where the divider goes: the first message after the reader's marker from someone else; -1 when none. */
function firstUnreadAt(messages: ChatMessage[], readSeq: number): number {
  return messages.findIndex((m) => m.seq !== null && m.seq > readSeq && !m.mine && m.kind !== 'system');
}

const Placed = forwardRef<MessageListHandle, Omit<Props, 'ready'>>(function Placed({ messages, hasMore, readSeq, isGroup, loadOlder, header, footer, ...item }, ref) {
  const { t } = useTranslation();
  const virtuoso = useRef<VirtuosoHandle>(null);
  const lastId = useRef<string | undefined>(undefined);
  // On the first unread, or the newest.
  const [start] = useState(() => {
    const at = firstUnreadAt(messages, readSeq);
    return at >= 0 ? { index: at, align: 'start' as const } : { index: Math.max(0, messages.length - 1), align: 'end' as const };
  });
  // Placed on a first unread, the reader is not at the newest: nothing may follow the output
  // (Virtuoso scrolls to the end when the rows it measures grow, while it follows).
  const [atBottom, setAtBottom] = useState(start.align === 'end');
  const scroller = useRef<HTMLElement | null>(null);
  const reported = useRef(start.align === 'end');
  // Virtuoso says "at the bottom" before it has rendered the rows it was placed on, and says so
  // for a while after: where the scroller is says whether it is so.
  const settle = useCallback(() => {
    const el = scroller.current;
    setAtBottom(reported.current && (!el || (!!el.querySelector('[data-index]') && el.scrollHeight - el.scrollTop - el.clientHeight <= BOTTOM)));
  }, []);
  const [unseen, setUnseen] = useState(0);
  const [flash, setFlash] = useState<string | null>(null);

  // Older messages arrived in front: the first index moves back by as many in the same
  // render as the data, so nothing jumps (a change of index a render after the data is
  // taken for items appended and then prepended, and can throw the reader to the end).
  const front = useRef<{ id: string | undefined; index: number }>({ id: undefined, index: START });
  const firstItemIndex = useMemo(() => {
    const prev = front.current;
    const at = prev.id && messages[0]?.id !== prev.id ? messages.findIndex((m) => m.id === prev.id) : 0;
    const index = at > 0 ? prev.index - at : prev.index;
    front.current = { id: messages[0]?.id, index };
    return index;
  }, [messages]);

  useLayoutEffect(() => {
    const prev = lastId.current;
    // New ones at the end while scrolled up: count them for the "N new messages" button.
    if (!atBottom && prev && messages.at(-1)?.id !== prev) {
      const at = messages.findIndex((m) => m.id === prev);
      if (at >= 0) setUnseen((n) => n + messages.slice(at + 1).filter((m) => !m.mine).length);
    }
    lastId.current = messages.at(-1)?.id;
  }, [messages, atBottom]);

  useEffect(() => {
    if (atBottom) setUnseen(0);
  }, [atBottom]);

  const firstUnread = useMemo(() => messages[firstUnreadAt(messages, readSeq)]?.id, [messages, readSeq]);

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

  return (
    <div className="message-scroll-wrap">
      <Virtuoso
        ref={virtuoso}
        className="message-scroll"
        data={messages}
        firstItemIndex={firstItemIndex}
        initialTopMostItemIndex={start}
        computeItemKey={(_, m) => m.id}
        startReached={() => {
          if (hasMore) void loadOlder();
        }}
        // A value, not a function: while followOutput is anything but false, Virtuoso scrolls to
        // the end when the rows grow after a change of count, older pages put in front included.
        followOutput={atBottom ? 'auto' : false}
        scrollerRef={(el) => {
          scroller.current?.removeEventListener('scroll', settle);
          scroller.current = el instanceof HTMLElement ? el : null;
          scroller.current?.addEventListener('scroll', settle, { passive: true });
        }}
        atBottomStateChange={(bottom) => {
          reported.current = bottom;
          settle();
        }}
        totalListHeightChanged={settle}
        atBottomThreshold={BOTTOM}
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
