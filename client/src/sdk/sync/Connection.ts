import { HocuspocusProvider, HocuspocusProviderWebsocket, WebSocketStatus } from '@hocuspocus/provider';
import { CLOSE, encodeStateless, isErrorCode, isExpiryClose, ParleyError } from '@parley/schema';
import type * as Y from 'yjs';
import type { ResolvedConfig } from '../config.ts';
import type { ConnectionState } from '../events.ts';
import { Heartbeat } from '../heartbeat/Heartbeat.ts';
import { Reconnector } from '../reconnect/Reconnector.ts';
import { reconnectDelay } from '../reconnect/delay.ts';
import { nextState, type ConnectionInput } from './lifecycle.ts';

export interface ConnectionHooks {
  state(state: ConnectionState, previous: ConnectionState): void;
  connected(isReconnect: boolean): void;
  disconnected(reason: string): void;
  reconnecting(attempt: number, delay: number): void;
  gaveUp(attempts: number): void;
  heartbeatSent(t: number): void;
  heartbeatReceived(rtt: number): void;
  /** The server ended the socket because its token expired (rule SDK-A6): renew it before the reconnect authenticates. */
  expired(): void;
}

export interface AttachOptions {
  awareness: boolean;
  /**
   * Give this provider its own routing key (Hocuspocus 4 session awareness). A
   * document that is dropped and reopened at once (epoch reset) would otherwise
   * send its new auth frame to the server-side connection still closing.
   */
  session?: boolean;
  onStateless?(payload: string): void;
  onAuthenticated?(): void;
  onAuthFailed?(error: ParleyError): void;
  onSynced?(): void;
}

/**
 * One WebSocket for every document (rule SDK-W1), driven by the SDK's own reconnect
 * strategy and heartbeat instead of the provider's built-in retry: the provider
 * is told never to reconnect by itself, and each drop is handed to the Reconnector.
 * Every state change goes through `nextState` (sync/lifecycle.ts, rules SDK-C1–SDK-C10).
 */
export class Connection {
  private ws: HocuspocusProviderWebsocket | null = null;
  private readonly providers = new Set<HocuspocusProvider>();
  private current: ConnectionState = 'disconnected';
  /** A socket attempt was started and has neither opened nor failed yet: only its outcome counts. */
  private inFlight = false;
  private everConnected = false;
  private heartbeatProvider: HocuspocusProvider | null = null;
  /** Documents the server refused UNAVAILABLE: attempts since their last success and the pending retry (SDK-A4). */
  private readonly unavailable = new Map<HocuspocusProvider, { attempts: number; timer: unknown }>();
  readonly reconnector: Reconnector;
  readonly heartbeat: Heartbeat;

  constructor(
    private readonly config: ResolvedConfig,
    private readonly token: () => string,
    private readonly hooks: ConnectionHooks,
  ) {
    this.reconnector = new Reconnector(config.reconnect, config.clock, {
      attempt: () => this.onRetry(),
    }, config.random);
    this.heartbeat = new Heartbeat(config.heartbeat, config.clock, {
      ping: (t) => {
        if (!this.heartbeatProvider) return false;
        this.heartbeatProvider.sendStateless(encodeStateless({ type: 'ping', t }));
        return true;
      },
      sent: (t) => this.hooks.heartbeatSent(t),
      received: (_t, rtt) => this.hooks.heartbeatReceived(rtt),
      dead: () => this.drop('heartbeat timeout'),
    });
  }

  get state(): ConnectionState {
    return this.current;
  }

  /** connect(): from disconnected or failed, a fresh start with a fresh retry count (SDK-C1, SDK-C8). */
  start(): void {
    if (!this.move({ type: 'connect' })) return;
    this.reconnector.reset();
    this.openSocket();
  }

  /** disconnect(): from any state; nothing reconnects until the next start() (SDK-C9). */
  stop(): void {
    this.reconnector.reset();
    this.heartbeat.stop();
    this.inFlight = false;
    this.ws?.disconnect();
    this.move({ type: 'disconnect' });
  }

  destroy(): void {
    this.stop();
    for (const retry of this.unavailable.values()) this.config.clock.clearTimeout(retry.timer);
    this.unavailable.clear();
    for (const p of [...this.providers]) p.destroy();
    this.providers.clear();
    this.ws?.destroy();
    this.ws = null;
  }

  /**
   * The device lost or regained its network (rule SDK-C12): a lost one drops the
   * socket now instead of at the heartbeat's timeout; a regained one tries at
   * once instead of at the backoff's next turn.
   */
  networkChanged(online: boolean): void {
    if (!online) {
      if (this.current === 'connected' || this.inFlight) this.drop('network offline');
      return;
    }
    if (this.current === 'reconnecting' && !this.inFlight) {
      this.reconnector.cancel();
      this.onRetry();
    }
  }

  /** The provider whose stateless channel carries ping/pong and presence (the user document). */
  setHeartbeatProvider(provider: HocuspocusProvider | null): void {
    this.heartbeatProvider = provider;
  }

  /** A pong arrived on the user document. */
  pong(t: number): void {
    this.heartbeat.pong(t);
  }

  attach(name: string, document: Y.Doc, options: AttachOptions): HocuspocusProvider {
    const ws = this.socket();
    const provider = new HocuspocusProvider({
      websocketProvider: ws,
      name,
      document,
      token: () => this.token(),
      ...(options.awareness ? {} : { awareness: null }),
      sessionAwareness: options.session ?? false,
      onStateless: ({ payload }) => options.onStateless?.(payload),
      onAuthenticated: () => options.onAuthenticated?.(),
      onAuthenticationFailed: ({ reason }) => {
        const error = authError(reason);
        // Rule SDK-A4: the server's own fault is retried with backoff, never an authentication failure.
        if (error.code === 'UNAVAILABLE') this.retryUnavailable(provider);
        else options.onAuthFailed?.(error);
      },
      onSynced: () => {
        // Synced, not authenticated: a load that fails is refused after the authentication went through.
        this.available(provider);
        options.onSynced?.();
      },
      // Rule SDK-A7: the server closed this document alone (a CLOSE frame; the socket lives on). The
      // provider is left unauthenticated and would stay so; it authenticates again after a delay.
      onClose: () => {
        if (ws.status === WebSocketStatus.Connected) this.retryUnavailable(provider);
      },
    });
    provider.on('destroy', () => {
      this.available(provider);
      this.providers.delete(provider);
    });
    this.providers.add(provider);
    provider.attach();
    return provider;
  }

  /**
   * New token for every open document without a reconnect (rule SDK-A1): an
   * authenticated document gets it as a token-sync message; one refused earlier
   * authenticates afresh and syncs.
   */
  reauthenticate(): void {
    if (this.current !== 'connected') return;
    for (const p of this.providers) {
      if (p.isAuthenticated) {
        void p.sendToken();
      } else {
        void p.sendToken().then(() => p.startSync());
      }
    }
  }

  /**
   * Rule SDK-A4: a document refused UNAVAILABLE (the server cannot reach its
   * database) authenticates again after the reconnect delay of its attempt
   * (SDK-R1), with no limit: the socket is fine, only the server's storage is
   * not. A drop meanwhile needs no timer, the reconnect re-authenticates it.
   * Rule SDK-A7: so does a document the server closed alone.
   */
  private retryUnavailable(provider: HocuspocusProvider): void {
    const retry = this.unavailable.get(provider) ?? { attempts: 0, timer: null };
    this.unavailable.set(provider, retry);
    if (retry.timer !== null) return;
    retry.attempts += 1;
    const delay = reconnectDelay(this.config.reconnect, retry.attempts, this.config.random);
    retry.timer = this.config.clock.setTimeout(() => {
      retry.timer = null;
      if (!this.providers.has(provider) || provider.isAuthenticated) return;
      // Refused just as the socket opened, or while it is down: look again later rather than
      // leave it to a reconnect that may already have happened (a reconnect's own refusal comes back here).
      if (this.current !== 'connected' || this.ws?.status !== WebSocketStatus.Connected) return this.retryUnavailable(provider);
      void provider.sendToken().then(() => provider.startSync());
    }, delay);
  }

  private available(provider: HocuspocusProvider): void {
    const retry = this.unavailable.get(provider);
    if (!retry) return;
    this.config.clock.clearTimeout(retry.timer);
    this.unavailable.delete(provider);
  }

  private socket(): HocuspocusProviderWebsocket {
    if (this.ws) return this.ws;
    const { heartbeat } = this.config;
    const ws = new HocuspocusProviderWebsocket({
      url: this.config.wsUrl,
      WebSocketPolyfill: quiet(this.config.WebSocket as new (url: string) => EventTarget),
      autoConnect: false,
      // One try per connect(); the Reconnector decides when the next one happens.
      maxAttempts: 1,
      initialDelay: 0,
      jitter: false,
      // Our heartbeat notices a dead socket; the provider's own check is only a backstop.
      messageReconnectTimeout: 2 * (heartbeat.interval + heartbeat.timeout),
    });
    ws.on('connect', () => this.onConnect());
    ws.on('disconnect', ({ event }: { event?: { code?: number; reason?: string } }) => this.onDisconnect(event?.reason || `code ${event?.code ?? '?'}`));
    ws.on('maxAttemptsFailed', () => this.onDisconnect('connection attempt failed'));
    this.ws = ws;
    return ws;
  }

  private openSocket(): void {
    this.inFlight = true;
    void this.socket().connect();
  }

  private onRetry(): void {
    if (this.move({ type: 'retry' })) this.openSocket();
  }

  private onConnect(): void {
    const attempted = this.inFlight;
    this.inFlight = false;
    if (!attempted || !this.move({ type: 'opened' })) {
      // A socket that opened after disconnect() or a give-up: nobody wants it.
      this.ws?.disconnect();
      return;
    }
    const isReconnect = this.everConnected;
    this.everConnected = true;
    this.reconnector.succeeded();
    // After a drop the provider may have detached documents; attach() is a no-op for attached ones.
    for (const p of this.providers) p.attach();
    this.heartbeat.start();
    this.hooks.connected(isReconnect);
  }

  /**
   * The provider reports one failed attempt twice ('disconnect', then
   * 'maxAttemptsFailed'); only the first report of an attempt in flight, or the
   * drop of an open socket, counts (SDK-C10).
   */
  private onDisconnect(reason: string): void {
    // Keep the provider from reconnecting on its own timer.
    if (this.ws) this.ws.shouldConnect = false;
    const was = this.current;
    if (was !== 'connected' && !this.inFlight) return;
    // Rule SDK-A6: an expiry close is a cue to refresh, and the usual reconnect follows.
    if (isExpiryClose(reason)) this.hooks.expired();
    this.inFlight = false;
    this.heartbeat.stop();
    const input: ConnectionInput = { type: 'dropped', retriesLeft: !this.reconnector.exhausted };
    if (nextState(was, input) === null) return;
    // The drop is news before the state it leads to.
    if (was === 'connected') this.hooks.disconnected(reason);
    const next = this.move(input);
    if (next === 'failed') {
      this.hooks.gaveUp(this.reconnector.attempt);
      return;
    }
    const delay = this.reconnector.schedule();
    if (delay !== null) this.hooks.reconnecting(this.reconnector.attempt, delay);
  }

  /** Declare the socket dead now: a half-open socket may never report its own close. */
  private drop(reason: string): void {
    const ws = this.ws;
    if (!ws) return;
    const socket = ws.webSocket as unknown as { terminate?: () => void } | null;
    ws.onClose({ event: { code: CLOSE.timeout, reason } } as never);
    socket?.terminate?.();
  }

  /** Applies `input`: the new state, or null (and nothing emitted) when the state machine ignores it. */
  private move(input: ConnectionInput): ConnectionState | null {
    const state = nextState(this.current, input);
    if (state === null) return null;
    if (state !== this.current) {
      const previous = this.current;
      this.current = state;
      this.hooks.state(state, previous);
    }
    return state;
  }
}

/** The server refuses a document with a JSON reason `{code, message}` (docs/protocol.md, "Errors"). */
function authError(reason: string): ParleyError {
  let body: { code?: unknown; message?: unknown } = {};
  try {
    body = JSON.parse(reason);
  } catch {
    // A server of another kind, or a proxy: a plain-text reason.
  }
  const code = isErrorCode(body.code) ? body.code : isErrorCode(reason) ? reason : 'AUTH_FAILED';
  const message = typeof body.message === 'string' ? body.message : reason;
  return new ParleyError(code, `authentication refused: ${message}`);
}

/**
 * Closing a socket that is still connecting makes `ws` emit an error after the
 * provider removed its listeners, which Node treats as unhandled; every socket
 * gets a listener of its own (failures are reported through close events).
 */
function quiet(Base: new (url: string) => EventTarget): new (url: string) => EventTarget {
  return class QuietWebSocket extends Base {
    constructor(url: string) {
      super(url);
      this.addEventListener('error', () => {});
    }
  };
}
