import { useCallback, useEffect, useRef, useState } from 'react';
import type { ConversationMeta } from '@parley/schema';
import type { ChatMessage, ConversationHandle } from '@parley/client/sdk';
import { loadDetail } from '../client/createClient.ts';
import { useClient } from '../client/ClientContext.tsx';

export interface OpenConversation {
  handle: ConversationHandle | null;
  /** The SDK's merged list (window + history + unconfirmed sends); null until opened. */
  messages: ChatMessage[] | null;
  hasMore: boolean;
  /** The SDK's `ready`: the newest messages are known, so a list can be placed on them. */
  ready: boolean;
  /** The live document's meta: title and members with roles, as the server last wrote them. */
  meta: Partial<ConversationMeta>;
  error: string | null;
  loadingOlder: boolean;
  /** One more page of history (50); resolves with how many came. */
  loadOlder(): Promise<number>;
}

/**
 * Opens conversation `id` through the SDK for as long as the component lives
 * (the SDK counts references), and re-renders on each change of its document.
 * A change of title or membership re-reads the member list, so every member
 * sees it live.
 */
export function useConversation(id: string): OpenConversation {
  const client = useClient();
  const [handle, setHandle] = useState<ConversationHandle | null>(null);
  const [messages, setMessages] = useState<ChatMessage[] | null>(null);
  const [hasMore, setHasMore] = useState(true);
  const [ready, setReady] = useState(false);
  const [meta, setMeta] = useState<Partial<ConversationMeta>>({});
  const [error, setError] = useState<string | null>(null);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const busy = useRef(false);

  useEffect(() => {
    let alive = true;
    let offs: Array<() => void> = [];
    let metaKey = '';
    setHandle(null);
    setMessages(null);
    setReady(false);
    void loadDetail(client, id);
    client.openConversation(id).then(
      async (h) => {
        if (!alive) return void client.closeConversation(id);
        const update = () => {
          setMessages(h.messages());
          setHasMore(h.hasMore);
          setReady(h.ready);
          const m = h.meta();
          const key = JSON.stringify([m.title, m.avatarUrl, m.status, m.members]);
          if (key !== metaKey) {
            // Skip the first read: loadDetail above already runs.
            if (metaKey) {
              void loadDetail(client, id);
              void client.refreshConversations().catch(() => undefined);
            }
            metaKey = key;
            setMeta(m);
          }
        };
        offs = [h.on('change', update), h.on('reset', update)];
        setHandle(h);
        update();
        // The first page settles whether there is history before the window.
        try {
          await h.loadOlder();
        } catch {
          // Offline: the cached pages are shown.
        }
        if (alive) update();
      },
      (e: unknown) => alive && setError(e instanceof Error ? e.message : String(e)),
    );
    return () => {
      alive = false;
      for (const off of offs) off();
      void client.closeConversation(id);
    };
  }, [client, id]);

  const loadOlder = useCallback(async () => {
    if (!handle || busy.current || !handle.hasMore) return 0;
    busy.current = true;
    setLoadingOlder(true);
    try {
      const { added } = await handle.loadOlder();
      setError(null);
      setMessages(handle.messages());
      setHasMore(handle.hasMore);
      return added;
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
      return 0;
    } finally {
      busy.current = false;
      setLoadingOlder(false);
    }
  }, [handle]);

  return { handle, messages, hasMore, ready, meta, error, loadingOlder, loadOlder };
}
