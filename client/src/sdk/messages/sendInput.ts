import type { Media, MessageKind } from '@parley/schema';

export type SendKind = Exclude<MessageKind, 'system' | 'call'>;

export interface SendInput {
  /** Where to send; or `toUserId` for the direct conversation with that user (created if needed). */
  conversationId?: string;
  toUserId?: string;
  text?: string;
  /** Seed alias of `text`. */
  content?: string;
  kind?: SendKind;
  /** Seed alias of `kind`. */
  messageType?: SendKind;
  /** An uploaded file, or a promise of one: the message shows as pending meanwhile and holds nothing else back. */
  media?: Media | Promise<Media>;
  replyTo?: string;
  /** 0–9, higher first; default 5 for text, 3 for media (rule SDK-Q1). */
  priority?: number;
  /** Reuse to make a send idempotent across your own retries. */
  messageId?: string;
}

/** The send command's fields, before media and validation (the Outbox validates with the server's parser). */
export function sendFields(input: SendInput, conversationId: string, ids: { commandId: string; messageId: string }, now: number) {
  return {
    id: ids.commandId,
    type: 'send' as const,
    conversationId,
    messageId: input.messageId ?? ids.messageId,
    kind: input.kind ?? input.messageType ?? (input.media ? kindOf(input.media) : 'text'),
    text: input.text ?? input.content ?? '',
    createdAt: now,
    ...(input.replyTo ? { replyTo: input.replyTo } : {}),
    ...(input.priority !== undefined ? { priority: input.priority } : {}),
  };
}

export function isPromise<T>(v: T | Promise<T>): v is Promise<T> {
  return typeof (v as { then?: unknown }).then === 'function';
}

/** The kind a media file implies; a pending upload is a `file` until told otherwise. */
export function kindOf(media: Media | Promise<Media>): 'image' | 'video' | 'file' {
  if (isPromise(media)) return 'file';
  return media.mimeType.startsWith('image/') ? 'image' : media.mimeType.startsWith('video/') ? 'video' : 'file';
}
