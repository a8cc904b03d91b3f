import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Hocuspocus } from '@hocuspocus/server';
import type { Logger } from '../log.ts';
import type { SocketGuard } from './sockets.ts';

type ClientConnection = ReturnType<Hocuspocus['handleConnection']>;

/**
 * The WebSocket side of /sync, in place of Hocuspocus Server's crossws adapter.
 * What an idle socket holds is its `ws` socket, one map entry and Hocuspocus's
 * own objects: the listeners are shared by every socket, and the upgrade request
 * is not kept (Hocuspocus gets its URL and headers). The crossws adapter held,
 * per socket, the whole upgrade request, a peer and its request proxy, and nine
 * listener closures (docs/bench.md, memory per idle connection).
 */
export class SyncSockets {
  private readonly server: WebSocketServer;
  private readonly clients = new Map<WebSocket, ClientConnection>();
  /** Pinged and not heard from since. */
  private readonly quiet = new Set<WebSocket>();
  private readonly heartbeat: NodeJS.Timeout;
  private readonly listeners: {
    message: (this: WebSocket, data: Buffer) => void;
    heard: (this: WebSocket) => void;
    close: (this: WebSocket, code: number, reason: Buffer) => void;
    error: (this: WebSocket, error: Error) => void;
  };

  constructor(
    private readonly hocuspocus: Hocuspocus,
    private readonly guard: SocketGuard,
    options: { maxPayload: number; heartbeatMs: number; log: Logger },
  ) {
    this.server = new WebSocketServer({ noServer: true, maxPayload: options.maxPayload, perMessageDeflate: false });
    const { clients, quiet } = this;
    this.listeners = {
      message(data) {
        quiet.delete(this);
        clients.get(this)?.handleMessage(data);
      },
      heard() {
        quiet.delete(this);
      },
      close(code, reason) {
        const client = clients.get(this);
        clients.delete(this);
        quiet.delete(this);
        client?.handleClose({ code, reason: reason.toString() });
      },
      error(error) {
        options.log.warn({ err: error }, 'websocket error');
      },
    };
    this.heartbeat = setInterval(() => this.beat(), options.heartbeatMs);
    this.heartbeat.unref();
  }

  /** Completes the upgrade of a request that passed the server's checks. */
  upgrade(request: IncomingMessage, socket: Duplex, head: Buffer) {
    this.server.handleUpgrade(request, socket, head, (ws) => this.open(ws, request));
  }

  /** The most bytes waiting on one socket now (a metric, rule B2). */
  queuedBytesMax(): number {
    let max = 0;
    for (const ws of this.clients.keys()) max = Math.max(max, ws.bufferedAmount);
    return max;
  }

  /** Shutdown: every socket is closed with this code and reason, authenticated or not. */
  closeAll(code: number, reason: string) {
    clearInterval(this.heartbeat);
    for (const ws of this.clients.keys()) ws.close(code, reason);
  }

  private open(ws: WebSocket, request: IncomingMessage) {
    const { message, heard, close, error } = this.listeners;
    ws.on('message', message);
    ws.on('pong', heard);
    ws.on('ping', heard);
    ws.on('close', close);
    ws.on('error', error);
    const hookRequest = upgradeRequest(request);
    this.guard.admit(ws, hookRequest);
    this.clients.set(ws, this.hocuspocus.handleConnection(ws as never, hookRequest));
  }

  /** Rule B8: a socket not heard from (no frame, no ping, no pong) since the last beat is cut. */
  private beat() {
    for (const ws of this.clients.keys()) {
      if (this.quiet.has(ws)) {
        ws.terminate();
        continue;
      }
      this.quiet.add(ws);
      ws.ping();
    }
  }
}

/** What Hocuspocus keeps of the upgrade request for its hooks: the URL and the headers. */
function upgradeRequest(request: IncomingMessage): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [value]) headers.append(name, one);
  }
  return { url: `http://${request.headers.host ?? 'localhost'}${request.url ?? '/'}`, headers } as Request;
}
