import type { Store } from '@parley/schema/db';
import type { Command, CommandResult, Message } from '@parley/schema';
import type { SyncConfig } from './config.ts';
import type { Logger } from './log.ts';
import type { TokenService } from './auth/tokens.ts';

/** What the edges (REST handlers, Hocuspocus hooks) are handed: built once in server.ts. */
export interface Services {
  config: SyncConfig;
  store: Store;
  log: Logger;
  tokens: TokenService;
  commands: CommandExecutor;
  inbox: InboxNotifier;
  presence: PresenceView;
  sessions: SessionRevoker;
}

export interface SessionRevoker {
  /** Rule A6: the session's tokens stop working and its open sockets close, on every instance. */
  revoke(userId: string, sessionId: string): void;
}

export interface CommandExecutor {
  /**
   * Validates and applies one command for `actorId` (docs/protocol.md, O1–O11):
   * the index row, the conversation document and the inboxes of connected members.
   * Never throws for a refused command: it answers `failed` with a code.
   */
  execute(actorId: string, command: Command, options?: ExecuteOptions): Promise<CommandResult>;
  /**
   * Rule O10: takes one of the user's command tokens and answers 0, or answers
   * the milliseconds until one is due (taking nothing). The outbox waits that long.
   */
  admit(actorId: string): number;
}

export interface ExecuteOptions {
  /** The caller already took the user's token (`admit`); otherwise one is taken or the command is RATE_LIMITED. */
  admitted?: boolean;
}

export interface InboxNotifier {
  /** Recomputes `conversationId` in the inboxes of these users whose documents are loaded. */
  refresh(conversationId: string, userIds: string[]): Promise<void>;
}

/** The executor's side of the inbox (the REST edge only refreshes). */
export interface InboxFollower {
  /** Rule I2: moves these users' entries on by what a group commit wrote, with no query where it can. */
  follow(conversationId: string, userIds: string[], change: InboxChange): Promise<void>;
}

/** New messages of one conversation in seq order (contiguous), and read markers moved, by user. */
export interface InboxChange {
  messages: Message[];
  reads: Record<string, number>;
}

export interface PresenceView {
  isOnline(userId: string): boolean;
  /**
   * Rule R1: people who just came to share a conversation or a contact learn
   * each other's status (a connect-time snapshot cannot have known them).
   */
  introduce(userIds: string[], others?: string[]): void;
}
