import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Hocuspocus } from '@hocuspocus/server';
import type { Logger } from '../log.ts';
import type { SocketGuard } from './sockets.ts';

type ClientConnection = ReturnType<Hocuspocus['handleConnection']>;

/**
 * Rule B8: the beat is spread over its period, a slice of the sockets a tick.
 * Pinging 10,000 sockets in one turn holds every message behind it for as
 * long (about 100 ms on two cores), and their pongs come back as one burst.
 */
const BEAT_SLICES = 30;
/** The shortest tick: a short period (tests) takes fewer slices. */
const BEAT_TICK_MIN_MS = 10;

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
  /** Pinged and not heard from since: the tick of the ping. */
  private readonly quiet = new Map<WebSocket, number>();
  private readonly heartbeat: NodeJS.Timeout;
  private readonly slices: number;
  private tick = 0;
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
    this.slices = Math.max(1, Math.min(BEAT_SLICES, Math.floor(options.heartbeatMs / BEAT_TICK_MIN_MS)));
    this.heartbeat = setInterval(() => this.beat(), options.heartbeatMs / this.slices);
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

  /**
   * Rule B8: a socket not heard from (no frame, no ping, no pong) for a whole
   * period since it was pinged is cut. Each tick takes the sockets at every
   * `slices`-th position of the list; a socket that moved up (others closed)
   * meanwhile may come round early, and is then left until its period is over.
   */
  private beat() {
    const tick = this.tick++;
    let position = 0;
    for (const ws of this.clients.keys()) {
      if (position++ % this.slices !== tick % this.slices) continue;
      const pinged = this.quiet.get(ws);
      if (pinged === undefined) {
        this.quiet.set(ws, tick);
        ws.ping();
      } else if (tick - pinged >= this.slices) ws.terminate();
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
