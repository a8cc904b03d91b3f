import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { WebSocket } from 'ws';
import { CLOSE } from '@parley/schema';
import type { BoundsConfig } from '../config.ts';
import type { Logger } from '../log.ts';

/** The `ws` socket under Hocuspocus's WebSocketLike: what the guard reads and wraps. */
interface RawSocket {
  readonly bufferedAmount: number;
  readonly readyState: number;
  send(data: unknown, ...rest: unknown[]): void;
  close(code?: number, reason?: string): void;
  terminate(): void;
  readonly _socket?: Socket;
}

interface Tracked {
  address: string;
  /** Counted against its address as unauthenticated. */
  counted: boolean;
  authenticated: boolean;
  deadline: NodeJS.Timeout | null;
  shed: boolean;
  /** Its frames of this turn of the event loop leave in one write (B7). */
  corked: boolean;
}

/** How long a closed socket may take to say goodbye before it is cut: its queued bytes are freed either way. */
const CLOSE_GRACE_MS = 1000;

/**
 * Bounds on whole sockets (docs/protocol.md, B2 and B6): a socket with more than
 * `sendQueueMaxBytes` waiting to be read is closed as a slow reader, an address
 * keeps at most `unauthenticatedPerAddress` sockets that have authenticated no
 * document, and a socket has `authDeadlineMs` to authenticate its first one.
 */
export class SocketGuard {
  private readonly byNetSocket = new WeakMap<Socket, Tracked>();
  private readonly byRequest = new WeakMap<object, Tracked>();
  private readonly unauthenticated = new Map<string, number>();
  /** Sockets closed as slow readers or for too many sync requests: what they still sent is not handled. */
  private readonly shedSockets = new WeakSet<object>();
  private readonly onNetClose: (this: Socket) => void;
  /** Every guarded socket's send: the bounds below, then `ws`'s own. */
  private readonly send: RawSocket['send'];

  constructor(
    private readonly bounds: BoundsConfig,
    private readonly refused: (reason: string) => void,
    private readonly log: Logger,
  ) {
    this.onNetClose = SocketGuard.onNetCloseOf(this);
    this.send = SocketGuard.sendOf(this);
  }

  // Shared by every socket (`this` is the socket), so a socket holds no closure of its own.
  private static onNetCloseOf(guard: SocketGuard) {
    return function (this: Socket) {
      const tracked = guard.byNetSocket.get(this);
      if (tracked) guard.release(tracked);
    };
  }

  private static sendOf(guard: SocketGuard): RawSocket['send'] {
    return function (this: RawSocket, data, ...rest) {
      const tracked = this._socket && guard.byNetSocket.get(this._socket);
      if (tracked && !guard.admits(tracked, this)) return;
      (WebSocket.prototype.send as (...args: unknown[]) => void).call(this, data, ...rest);
    };
  }

  /** The upgrade: false when the address has too many sockets that have not authenticated. */
  upgrade(request: IncomingMessage, address: string): boolean {
    const count = this.unauthenticated.get(address) ?? 0;
    if (count >= this.bounds.unauthenticatedPerAddress) {
      this.refused('unauthenticated_per_address');
      return false;
    }
    const tracked: Tracked = { address, counted: true, authenticated: false, deadline: null, shed: false, corked: false };
    this.unauthenticated.set(address, count + 1);
    this.byNetSocket.set(request.socket, tracked);
    // Also when the handshake fails and no WebSocket is made.
    request.socket.on('close', this.onNetClose);
    return true;
  }

  /** onAuthenticate passed for a document of this socket: it no longer counts as unauthenticated. */
  authenticated(request: object) {
    const tracked = this.byRequest.get(request);
    if (!tracked || tracked.authenticated) return;
    this.release(tracked);
    tracked.authenticated = true;
  }

  /** Closes a socket that asked too much of the server (B2, B3); what it sent meanwhile is dropped. */
  shed(ws: object) {
    this.shedSockets.add(ws);
    SocketGuard.end(ws as RawSocket, CLOSE.slowReader);
  }

  isShed(ws: object): boolean {
    return this.shedSockets.has(ws);
  }

  /** Closes a socket with a coded reason, and cuts it shortly after if it does not read the close either. */
  static end(ws: RawSocket, event: { code: number; reason: string }) {
    if (ws.readyState <= 1) ws.close(event.code, event.reason);
    setTimeout(() => ws.terminate(), CLOSE_GRACE_MS).unref();
  }

  /** The WebSocket of a request that passed upgrade() is open; `request` is what its hooks get as theirs. */
  admit(ws: RawSocket, request: object) {
    const tracked = ws._socket && this.byNetSocket.get(ws._socket);
    if (!tracked) throw new Error('a socket is admitted only after its upgrade');
    this.byRequest.set(request, tracked);
    tracked.deadline = setTimeout(() => {
      if (tracked.authenticated) return;
      this.refused('auth_deadline');
      SocketGuard.end(ws, CLOSE.unauthenticated);
    }, this.bounds.authDeadlineMs);
    tracked.deadline.unref();
    (ws as { send: RawSocket['send'] }).send = this.send;
  }

  /**
   * Checked before each frame: one frame larger than the limit still goes to a
   * socket that keeps up. Rule B7: the frames of one turn of the event loop (one
   * command's conversation update, result and inbox entry, each broadcast by its
   * own document) leave in one write.
   */
  private admits(tracked: Tracked, ws: RawSocket): boolean {
    if (tracked.shed) return false;
    if (ws.bufferedAmount > this.bounds.sendQueueMaxBytes) {
      tracked.shed = true;
      this.refused('slow_reader');
      this.log.warn({ address: tracked.address, queued: ws.bufferedAmount }, 'closing a socket that does not read what it is sent');
      this.shed(ws);
      return false;
    }
    const netSocket = ws._socket;
    if (netSocket && !tracked.corked) {
      tracked.corked = true;
      netSocket.cork();
      setImmediate(() => {
        tracked.corked = false;
        netSocket.uncork();
      });
    }
    return true;
  }

  private release(tracked: Tracked) {
    if (tracked.deadline) clearTimeout(tracked.deadline);
    tracked.deadline = null;
    if (!tracked.counted) return;
    tracked.counted = false;
    const count = (this.unauthenticated.get(tracked.address) ?? 1) - 1;
    if (count <= 0) this.unauthenticated.delete(tracked.address);
    else this.unauthenticated.set(tracked.address, count);
  }
}
