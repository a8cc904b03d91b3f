import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Hocuspocus } from '@hocuspocus/server';
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
  once(event: 'close', listener: () => void): void;
  readonly _socket?: Socket;
}

interface Tracked {
  address: string;
  /** Counted against its address as unauthenticated. */
  counted: boolean;
  authenticated: boolean;
  deadline: NodeJS.Timeout | null;
  ws: RawSocket | null;
  shed: boolean;
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
  private readonly live = new Set<RawSocket>();
  /** Sockets closed as slow readers or for too many sync requests: what they still sent is not handled. */
  private readonly shedSockets = new WeakSet<object>();

  constructor(
    private readonly bounds: BoundsConfig,
    private readonly refused: (reason: string) => void,
    private readonly log: Logger,
  ) {}

  /** onUpgrade: false when the address has too many sockets that have not authenticated. */
  upgrade(request: IncomingMessage, address: string): boolean {
    const count = this.unauthenticated.get(address) ?? 0;
    if (count >= this.bounds.unauthenticatedPerAddress) {
      this.refused('unauthenticated_per_address');
      return false;
    }
    const tracked: Tracked = { address, counted: true, authenticated: false, deadline: null, ws: null, shed: false };
    this.unauthenticated.set(address, count + 1);
    this.byNetSocket.set(request.socket, tracked);
    request.socket.once('close', () => this.release(tracked));
    return true;
  }

  /** Wraps Hocuspocus's handleConnection so every socket it takes is guarded. */
  install(hocuspocus: Hocuspocus) {
    const handle = hocuspocus.handleConnection.bind(hocuspocus);
    hocuspocus.handleConnection = ((websocket, request, context) => {
      this.admit(websocket as unknown as RawSocket, request);
      return handle(websocket, request, context);
    }) as Hocuspocus['handleConnection'];
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

  /** The most bytes waiting on one socket now (a metric). */
  queuedBytesMax(): number {
    let max = 0;
    for (const ws of this.live) max = Math.max(max, ws.bufferedAmount);
    return max;
  }

  /** Closes a socket with a coded reason, and cuts it shortly after if it does not read the close either. */
  static end(ws: RawSocket, event: { code: number; reason: string }) {
    if (ws.readyState <= 1) ws.close(event.code, event.reason);
    setTimeout(() => ws.terminate(), CLOSE_GRACE_MS).unref();
  }

  private admit(ws: RawSocket, request: object) {
    const netSocket = ws._socket;
    // A socket that came through upgrade() is counted there against its address; any other is only guarded.
    const tracked = (netSocket && this.byNetSocket.get(netSocket)) ?? { address: '', counted: false, authenticated: false, deadline: null, ws: null, shed: false };
    tracked.ws = ws;
    this.byRequest.set(request, tracked);
    this.live.add(ws);
    tracked.deadline = setTimeout(() => {
      if (tracked.authenticated) return;
      this.refused('auth_deadline');
      SocketGuard.end(ws, CLOSE.unauthenticated);
    }, this.bounds.authDeadlineMs);
    tracked.deadline.unref();
    ws.once('close', () => {
      this.live.delete(ws);
      this.release(tracked);
    });
    const send = ws.send.bind(ws);
    let corked = false;
    // Checked before each frame: one frame larger than the limit still goes to a socket that keeps up.
    (ws as { send: RawSocket['send'] }).send = (data, ...rest) => {
      if (tracked.shed) return;
      if (ws.bufferedAmount > this.bounds.sendQueueMaxBytes) {
        tracked.shed = true;
        this.refused('slow_reader');
        this.log.warn({ address: tracked.address, queued: ws.bufferedAmount }, 'closing a socket that does not read what it is sent');
        this.shed(ws);
        return;
      }
      // Rule B7: the frames of one turn of the event loop (one command's conversation
      // update, result and inbox entry, each broadcast by its own document) leave in one write.
      if (netSocket && !corked) {
        corked = true;
        netSocket.cork();
        setImmediate(() => {
          corked = false;
          netSocket.uncork();
        });
      }
      send(data, ...rest);
    };
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
