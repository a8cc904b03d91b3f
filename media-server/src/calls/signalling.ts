import type http from 'node:http';
import type { Duplex } from 'node:stream';
import express from 'express';
import { ExpressPeerServer } from 'peer';
import { WebSocketServer, type WebSocket } from 'ws';
import { ParleyError } from '@parley/schema';
import type { PeerTokenService } from '@parley/schema/tokens';
import type { Logger } from '../log.ts';

/** Where PeerJS clients connect: `path: '/peer'` plus PeerJS's own `peerjs` segment (CONTRACT.md, "Calls"). */
export const PEER_PATH = '/peer';
const SOCKET_PATH = `${PEER_PATH}/peerjs`;
const PEER_KEY = 'peerjs';

export interface Signalling {
  /** Answers an upgrade for PeerJS; false for any other path. */
  upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): boolean;
  /** Closes every signalling socket. */
  close(): void;
}

/** The hook server.ts makes: PeerJS takes its upgrades, every other upgrade is closed. */
export function attachSignalling(server: http.Server, peers: PeerTokenService, log: Logger): Signalling {
  const signalling = createSignalling(server, peers, log);
  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    if (!signalling.upgrade(req, socket, head)) socket.destroy();
  });
  return signalling;
}

/**
 * PeerJS signalling (the `peer` package) on the media-server's port. The
 * package's WebSocket server gets no HTTP server of its own: this edge checks
 * each upgrade first, and only a socket whose token names its own peer id
 * reaches PeerJS. Discovery of peer lists is off; its HTTP routes are not served.
 */
export function createSignalling(server: http.Server, peers: PeerTokenService, log: Logger): Signalling {
  let wss: WebSocketServer | null = null;
  const app = ExpressPeerServer(server, {
    path: PEER_PATH,
    key: PEER_KEY,
    allow_discovery: false,
    // PeerJS asks for its socket server here; it gets one without a server, fed by `upgrade` below.
    createWebSocketServer: (options) => (wss = new WebSocketServer({ noServer: true, path: options.path ?? '/' })),
  });
  app.on('error', (error: unknown) => log.warn({ err: error }, 'signalling error'));
  // PeerJS starts when its Express app is mounted. The parent is never served: only upgrades reach PeerJS.
  express().use(app);
  const sockets = new Set<WebSocket>();

  function refuse(socket: Duplex, error: ParleyError) {
    const body = JSON.stringify({ error: { code: error.code, message: error.message } });
    socket.end(`HTTP/1.1 ${error.status} ${error.status === 401 ? 'Unauthorized' : 'Forbidden'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  }

  return {
    upgrade(req, socket, head) {
      const url = new URL(req.url ?? '/', 'http://media.invalid');
      if (url.pathname !== SOCKET_PATH && url.pathname !== `${SOCKET_PATH}/`) return false;
      socket.on('error', () => undefined);
      const id = url.searchParams.get('id') ?? '';
      const token = url.searchParams.get('token') ?? '';
      // Rule K1: no token, an expired or forged one, or one for another id is refused before PeerJS sees the socket.
      peers.verify(token).then(
        (peer) => {
          if (peer.peerId !== id) return refuse(socket, new ParleyError('FORBIDDEN', 'that token is for another peer id'));
          if (url.searchParams.get('key') !== PEER_KEY) return refuse(socket, new ParleyError('FORBIDDEN', 'unknown key'));
          if (!wss) return refuse(socket, new ParleyError('INTERNAL', 'signalling is not ready'));
          const server = wss;
          server.handleUpgrade(req, socket, head, (ws) => {
            sockets.add(ws);
            ws.once('close', () => sockets.delete(ws));
            server.emit('connection', ws, req);
          });
        },
        (error: unknown) => refuse(socket, error instanceof ParleyError ? error : new ParleyError('AUTH_FAILED', 'invalid token')),
      );
      return true;
    },
    close() {
      for (const ws of sockets) ws.terminate();
      wss?.close();
    },
  };
}
