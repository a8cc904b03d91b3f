// useParley.ts
import { onBeforeUnmount, ref, shallowRef, watch, type Ref } from 'vue';
import { ParleyClient, type ChatMessage, type ConversationHandle, type ConversationView, type ConnectionState } from '@parley/client/sdk';

let client: ParleyClient | null = null;
export function useParley(): ParleyClient {
  if (!client) {
    const auth = JSON.parse(localStorage.getItem('parley.auth')!);
    client = new ParleyClient({ serverUrl: location.origin, token: auth.token, refreshToken: auth.refreshToken, userId: auth.user.id });
    void client.connect();
  }
  return client;
}

/** SessionList.vue: the live conversation list and the connection state. */
export function useSessionList() {
  const c = useParley();
  const sessions = shallowRef<ConversationView[]>(c.listConversations());
  const state = ref<ConnectionState>(c.getConnectionState());
  const offs = [
    c.on('conversationsChanged', (list) => (sessions.value = list)),
    c.on('stateChanged', (s) => (state.value = s)),
  ];
  onBeforeUnmount(() => offs.forEach((off) => off()));
  return { sessions, state };
}

/** ChatWindow.vue: one open conversation. */
export function useChatWindow(conversationId: Ref<string | null>) {
  const c = useParley();
  const messages = shallowRef<ChatMessage[]>([]);
  const typing = ref<string[]>([]);
  const hasMore = ref(true);
  let handle: ConversationHandle | null = null;

  watch(conversationId, async (id, previous) => {
    if (previous) await c.closeConversation(previous);
    handle = null;
    messages.value = [];
    if (!id) return;
    const h = await c.openConversation(id);
    handle = h;
    const refresh = () => {
      messages.value = h.messages();
      hasMore.value = h.hasMore;
    };
    h.on('change', refresh);
    h.on('typing', (ids) => (typing.value = ids));
    refresh();
    void c.markRead(id);
  }, { immediate: true });

  onBeforeUnmount(() => { if (conversationId.value) void c.closeConversation(conversationId.value); });

  return {
    messages, typing, hasMore,
    send: (text: string) => c.sendMessage({ conversationId: conversationId.value!, text }),
    onInput: () => handle?.setTyping(true),
    loadOlder: () => handle?.loadOlder(),
    retry: (messageId: string) => c.retryMessage(messageId),
    recall: (messageId: string) => c.recallMessage(conversationId.value!, messageId),
    readBy: (messageId: string) => handle?.readBy(messageId) ?? 0,
  };
}
