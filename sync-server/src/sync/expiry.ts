import type { Connection, Hocuspocus } from '@hocuspocus/server';
import { CLOSE } from '@parley/schema';
import { SocketGuard } from './sockets.ts';

/** What a document connection knows of the token it was opened with (set by onAuthenticate, renewed by onTokenSync). */
export interface TokenContext {
  userId: string | null;
  expiresAt?: number;
  sessionId?: string | null;
}

/** setTimeout's longest delay; a later expiry is checked again then. */
const MAX_DELAY_MS = 2 ** 31 - 1;

/**
 * Rules A5 and A6 on open sockets: a socket ends when the token of one of its
 * documents expires and no fresh one came on it (the SDK refreshes and
 * reconnects), and when its session is signed out.
 */
export class TokenWatch {
  constructor(private readonly refused: (reason: string) => void) {}

  /** `connected`: watches the connection's token until the connection closes. */
  watch(connection: Connection) {
    const context = connection.context as TokenContext;
    let timer: NodeJS.Timeout | null = null;
    const check = () => {
      if (context.expiresAt === undefined) return;
      const left = context.expiresAt - Date.now();
      if (left > 0) {
        timer = setTimeout(check, Math.min(left, MAX_DELAY_MS));
        timer.unref();
        return;
      }
      this.refused('token_expired');
      SocketGuard.end(connection.webSocket as never, CLOSE.tokenExpired);
    };
    check();
    connection.onClose(() => {
      if (timer) clearTimeout(timer);
    });
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
