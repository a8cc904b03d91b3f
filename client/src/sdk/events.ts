import type { Message, ParleyError } from '@parley/schema';
import type { ConversationView } from './conversations/types.ts';

export type ConnectionState = 'disconnected' | 'connecting' | 'connected' | 'reconnecting' | 'failed';

/**
 * What a connection banner says (rule SDK-C12): the device's network and the
 * socket together. `backOnline` lasts a few seconds after a reconnect, then turns `online`.
 */
export type Connectivity = 'connecting' | 'online' | 'offline' | 'reconnecting' | 'backOnline';

export interface MessageSentEvent {
  commandId: string;
  messageId: string;
  conversationId: string;
  seq: number;
}

export interface MessageFailedEvent {
  commandId: string;
  messageId: string | undefined;
  conversationId: string | undefined;
  error: ParleyError;
  /** The SDK retries retryable codes by itself (up to maxSendRetries); `retry()` does it by hand. */
  retryable: boolean;
}

/** Every event of the client, with the seed's callback names first. */
export interface ParleyEvents {
  connected: () => void;
  disconnected: (reason: string) => void;
  reconnecting: (attempt: number, delayMs: number) => void;
  reconnected: () => void;
  authenticated: () => void;
  authFailed: (error: ParleyError) => void;
  messageReceived: (message: Message) => void;
  messageSent: (event: MessageSentEvent) => void;
  messageFailed: (event: MessageFailedEvent) => void;
  heartbeatSent: (t: number) => void;
  heartbeatReceived: (rttMs: number) => void;
  error: (error: ParleyError) => void;
  // Beyond the seed:
  stateChanged: (state: ConnectionState) => void;
  synced: () => void;
  conversationsChanged: (conversations: ConversationView[]) => void;
  presence: (userId: string, online: boolean) => void;
  /** Refresh tokens are single-use: store the new pair, or the next refresh fails. */
  tokenRefreshed: (tokens: { token: string; refreshToken: string; expiresAt: number }) => void;
  /** The banner's state changed (rule SDK-C12). */
  connectivity: (state: Connectivity) => void;
  /** Unread messages over the conversations that are not muted, on every change of it (rule SDK-N3). */
  unreadTotal: (total: number) => void;
  /** This client signed out, here or in another tab of the same browser (rule SDK-A5); it is released right after. */
  signedOut: (where: 'here' | 'otherTab') => void;
}

export type ParleyCallbacks = Partial<ParleyEvents>;

type Listener = (...args: never[]) => void;

/** A small typed emitter; a listener that throws is reported on `error`, never breaks the SDK. */
export class Emitter<E extends { [K in keyof E]: Listener }> {
  private listeners = new Map<keyof E, Set<Listener>>();
  protected onListenerError: (e: unknown) => void = () => {};

  on<K extends keyof E>(event: K, fn: E[K]): () => void {
    const set = this.listeners.get(event) ?? new Set();
    set.add(fn);
    this.listeners.set(event, set);
    return () => this.off(event, fn);
  }

  once<K extends keyof E>(event: K, fn: E[K]): () => void {
    const wrapper = ((...args: Parameters<E[K]>) => {
      off();
      (fn as (...a: Parameters<E[K]>) => void)(...args);
    }) as unknown as E[K];
    const off = this.on(event, wrapper);
    return off;
  }

  off<K extends keyof E>(event: K, fn: E[K]): void {
    this.listeners.get(event)?.delete(fn);
  }

  emit<K extends keyof E>(event: K, ...args: Parameters<E[K]>): void {
    for (const fn of [...(this.listeners.get(event) ?? [])]) {
      try {
        (fn as (...a: Parameters<E[K]>) => void)(...args);
      } catch (e) {
        if (event === 'error') continue;
        this.onListenerError(e);
      }
    }
  }

  removeAllListeners(): void {
    this.listeners.clear();
  }
}
