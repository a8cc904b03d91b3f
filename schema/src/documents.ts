import * as Y from 'yjs';
import { KeyValue } from './keyvalue.ts';
import type { Command, CommandResult, ConversationStatus, ConversationType, Media, MessageKind, Role } from './commands.ts';
import { isId } from './ids.ts';
import { highestVersions } from './versions.ts';

/**
 * The layout of Parley's two kinds of Yjs document (docs/protocol.md, "Documents").
 * Queues are arrays whose handled items are deleted; rewritten key/value state is
 * a KeyValue over an array, never a Y.Map (a Y.Map keeps every key it ever held).
 */

export const conversationDocName = (id: string) => `conversation:${id}`;
export const userDocName = (id: string) => `user:${id}`;

export type DocRef = { kind: 'conversation'; id: string } | { kind: 'user'; id: string };

export function parseDocName(name: string): DocRef | null {
  const colon = name.indexOf(':');
  const kind = name.slice(0, colon);
  const id = name.slice(colon + 1);
  if ((kind !== 'conversation' && kind !== 'user') || !isId(id)) return null;
  return { kind, id };
}

export interface ReplyPreview {
  id: string;
  seq: number;
  senderId: string;
  kind: MessageKind;
  text: string;
}

/** A finished call, as its `call` message carries it (docs/protocol.md, K8). */
export interface CallRecord {
  callId: string;
  video: boolean;
  outcome: 'completed' | 'missed' | 'declined' | 'cancelled' | 'failed';
  /** From accept to hang-up; completed calls only. */
  durationMs?: number;
  callerId: string;
}

/** A system message's event; a `call` message's event is `call` with its record (actorId = the caller). */
export interface SystemEvent {
  event: 'created' | 'membersAdded' | 'memberRemoved' | 'memberLeft' | 'renamed' | 'avatarChanged' | 'roleChanged' | 'statusChanged' | 'call';
  actorId: string;
  userIds?: string[];
  title?: string;
  role?: Role;
  status?: ConversationStatus;
  call?: CallRecord;
}

/** A message as stored in a conversation document's window: plain JSON. */
export interface MessageEntry {
  id: string;
  seq: number;
  /** Bumped by every edit, recall and reaction; readers keep the highest per id. */
  v: number;
  senderId: string;
  kind: MessageKind;
  text: string;
  createdAt: number;
  media?: Media;
  replyTo?: ReplyPreview;
  editedAt?: number;
  recalledAt?: number;
  reactions?: Record<string, string[]>;
  system?: SystemEvent;
}

/** A message as the REST API and the SDK hand it out. */
export interface Message extends Omit<MessageEntry, 'v'> {
  conversationId: string;
  version: number;
}

export interface MemberInfo {
  userId: string;
  role: Role;
}

export interface ConversationContext {
  kind: string;
  ref: string;
  buyerId: string;
  sellerId: string;
}

export interface ConversationMeta {
  id: string;
  type: ConversationType;
  title: string | null;
  avatarUrl: string | null;
  members: MemberInfo[];
  status: ConversationStatus;
  context: ConversationContext | null;
  expiresAt: number | null;
}

export interface InboxEntry {
  conversationId: string;
  lastMessage: Message | null;
  unreadCount: number;
  lastSeq: number;
  readSeq: number;
  updatedAt: number;
}

export interface Draft {
  text: string;
  replyTo?: string;
  updatedAt: number;
}

export interface ConversationSettings {
  muted?: boolean;
  pinned?: boolean;
  /** Messages with seq ≤ this are hidden on this user's devices ("clear history"). */
  clearedBefore?: number;
}

export interface ConversationParts {
  messages: Y.Array<MessageEntry>;
  reads: Y.Array<{ key: string; val: number }>;
  meta: Y.Array<{ key: string; val: unknown }>;
  epoch: Y.Array<number>;
}

export interface UserParts {
  outbox: Y.Array<Command>;
  results: Y.Array<CommandResult>;
  inbox: Y.Array<{ key: string; val: InboxEntry }>;
  drafts: Y.Array<{ key: string; val: Draft }>;
  settings: Y.Array<{ key: string; val: ConversationSettings }>;
}

// A document's root types never change: they are looked up once per document, not on every write.
const conversationPartsOf = new WeakMap<Y.Doc, ConversationParts>();
const userPartsOf = new WeakMap<Y.Doc, UserParts>();

/** Typed views over a conversation document. */
export function conversationParts(doc: Y.Doc): ConversationParts {
  let parts = conversationPartsOf.get(doc);
  if (!parts) {
    parts = {
      messages: doc.getArray<MessageEntry>('messages'),
      reads: doc.getArray<{ key: string; val: number }>('reads'),
      meta: doc.getArray<{ key: string; val: unknown }>('meta'),
      epoch: doc.getArray<number>('epoch'),
    };
    conversationPartsOf.set(doc, parts);
  }
  return parts;
}

/** The root keys of a user document: an update writing any other is refused (rule B5). */
export const USER_DOCUMENT_KEYS: ReadonlySet<string> = new Set(['outbox', 'results', 'inbox', 'drafts', 'settings']);

/** Typed views over a user document. */
export function userParts(doc: Y.Doc): UserParts {
  let parts = userPartsOf.get(doc);
  if (!parts) {
    parts = {
      outbox: doc.getArray<Command>('outbox'),
      results: doc.getArray<CommandResult>('results'),
      inbox: doc.getArray<{ key: string; val: InboxEntry }>('inbox'),
      drafts: doc.getArray<{ key: string; val: Draft }>('drafts'),
      settings: doc.getArray<{ key: string; val: ConversationSettings }>('settings'),
    };
    userPartsOf.set(doc, parts);
  }
  return parts;
}

const keyValues = new WeakMap<Y.Array<any>, KeyValue<any>>();

/**
 * The key/value view of an array, one per array: a KeyValue observes its array
 * for as long as it lives, so a new one per call would pile up observers.
 * Only a document's writers use it; readers of a read-only document use `latestByKey`.
 */
export function keyValue<T>(array: Y.Array<{ key: string; val: T }>): KeyValue<T> {
  let kv = keyValues.get(array) as KeyValue<T> | undefined;
  if (!kv) {
    kv = new KeyValue<T>(array);
    keyValues.set(array, kv);
  }
  return kv;
}

/** Reads key/value pairs without writing: the last entry of a key wins, as in KeyValue. */
export function latestByKey<T>(array: Y.Array<{ key: string; val: T }>): Map<string, T> {
  const map = new Map<string, T>();
  for (const { key, val } of array) map.set(key, val);
  return map;
}

/**
 * Rule E2: a conversation document whose `epoch` array holds more than one value
 * merged a copy from an older epoch into the current one. The holder drops its
 * copy and loads the document anew; the current epoch is the highest value.
 */
export function epochState(doc: Y.Doc): { epoch: number | null; stale: boolean } {
  const array = conversationParts(doc).epoch;
  // The common case, looked at after every update: one epoch, nothing to copy.
  if (array.length <= 1) return { epoch: array.length ? array.get(0) : null, stale: false };
  const values = array.toArray();
  const epoch = Math.max(...values);
  return { epoch, stale: new Set(values).size > 1 };
}

/**
 * The messages of a window, one per id (the highest version wins), in seq order.
 * Several server instances may append concurrently, so array position means nothing.
 */
export function windowMessages(doc: Y.Doc): MessageEntry[] {
  const byId = highestVersions(conversationParts(doc).messages, (entry) => entry.v);
  return [...byId.values()].sort((a, b) => a.seq - b.seq);
}

export function readMeta(doc: Y.Doc): Partial<ConversationMeta> {
  return Object.fromEntries(latestByKey(conversationParts(doc).meta)) as Partial<ConversationMeta>;
}

export function toMessage(entry: MessageEntry, conversationId: string): Message {
  const { v, ...rest } = entry;
  return { ...rest, conversationId, version: v };
}
