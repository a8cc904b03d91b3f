import type { Connection, Hocuspocus } from '@hocuspocus/server';
import { CLOSE } from '@parley/schema';
import { SocketGuard } from './sockets.ts';

/** What a document connection knows of the token it was opened with (set by onAuthenticate, renewed by onTokenSync). */
export interface TokenContext {
  userId: string | null;
  expiresAt?: number;
  sessionId?: string | null;
}

/** How often open connections' expiries are read: a socket outlives its token by at most this. */
const SWEEP_MS = 500;

/**
 * Rules A5 and A6 on open sockets: a socket ends when the token of one of its
 * documents expires and no fresh one came on it (the SDK refreshes and
 * reconnects), and when its session is signed out. One sweep serves every
 * connection, so an idle connection holds no timer of its own.
 */
export class TokenWatch {
  private readonly watched = new Set<Connection>();
  private sweeper: NodeJS.Timeout | null = null;

  constructor(private readonly refused: (reason: string) => void) {}

  /** `connected`: watches the connection's token until the connection closes. */
  watch(connection: Connection) {
    if ((connection.context as TokenContext).expiresAt === undefined) return;
    this.watched.add(connection);
    connection.onClose(() => this.watched.delete(connection));
    if (this.sweeper) return;
    this.sweeper = setInterval(() => this.sweep(), SWEEP_MS);
    this.sweeper.unref();
  }

  private sweep() {
    const now = Date.now();
    for (const connection of this.watched) {
      // A token sync on the connection moves its expiry (A1).
      const { expiresAt } = connection.context as TokenContext;
      if (expiresAt === undefined || expiresAt > now) continue;
      this.watched.delete(connection);
      this.refused('token_expired');
      SocketGuard.end(connection.webSocket as never, CLOSE.tokenExpired);
    }
    if (this.watched.size || !this.sweeper) return;
    clearInterval(this.sweeper);
    this.sweeper = null;
  }

  /** Ends every socket of this instance that opened a document in the session. */
  revoke(hocuspocus: Hocuspocus, userId: string, sessionId: string) {
    for (const document of hocuspocus.documents.values()) {
      for (const connection of document.getConnections()) {
        const context = connection.context as TokenContext;
        if (context.userId !== userId || context.sessionId !== sessionId) continue;
        this.refused('session_revoked');
        SocketGuard.end(connection.webSocket as never, CLOSE.sessionRevoked);
      }
    }
  }
}
