import { z } from 'zod';
import { LIMITS } from './limits.ts';
import type { ParleyErrorBody } from './errors.ts';
import { clientId } from './ids.ts';
import { nameField } from './names.ts';

/**
 * Commands a client appends to the `outbox` of its own user document
 * (docs/protocol.md, rules O1–O11). The same shapes are accepted by the REST
 * endpoints that change a conversation, so there is one path for every write.
 */

const serverId = z.string().min(1).max(64);
const timestamp = z.number().int().nonnegative();

export const MESSAGE_KINDS = ['text', 'image', 'video', 'file', 'system', 'call'] as const;
export type MessageKind = (typeof MESSAGE_KINDS)[number];
/** Kinds a client may send; `system` and `call` are written by the server alone. */
export const SENDABLE_KINDS = ['text', 'image', 'video', 'file'] as const;

export const ROLES = ['owner', 'admin', 'member'] as const;
export type Role = (typeof ROLES)[number];

export const CONVERSATION_TYPES = ['direct', 'group', 'context'] as const;
export type ConversationType = (typeof CONVERSATION_TYPES)[number];

export const CONVERSATION_STATUSES = ['active', 'expired', 'closed'] as const;
export type ConversationStatus = (typeof CONVERSATION_STATUSES)[number];

/**
 * A link a client will render (avatar, media, thumbnail): an http(s) URL or a
 * path of Parley's own media routes (`/files/<id>`, `/files/<id>/thumbnail`,
 * with a query such as `?sig=`). `javascript:`, `data:` and every other scheme
 * are refused, on REST and in the outbox alike.
 */
const OWN_MEDIA_PATH = /^\/files\/[A-Za-z0-9_-]{1,64}(?:\/thumbnail)?(?:\?[^\s#]*)?$/;
export function isSafeLink(url: string): boolean {
  if (OWN_MEDIA_PATH.test(url)) return true;
  // Control characters and spaces are where scheme tricks hide (`java\tscript:`); a clean URL has none.
  if (!/^https?:\/\/\S+$/i.test(url) || [...url].some((c) => c.codePointAt(0)! < 0x20 || c === '\u007F')) return false;
  try {
    const parsed = new URL(url);
    return (parsed.protocol === 'http:' || parsed.protocol === 'https:') && parsed.hostname.length > 0;
  } catch {
    return false;
  }
}
export const linkUrl = z
  .string()
  .min(1)
  .max(LIMITS.mediaUrlMaxLength)
  .refine(isSafeLink, 'an http(s) URL or a Parley media path (/files/<id>)');

export const mediaSchema = z.object({
  url: linkUrl,
  mimeType: z.string().min(1).max(127),
  size: z.number().int().nonnegative(),
  name: z.string().max(255).optional(),
  width: z.number().int().positive().optional(),
  height: z.number().int().positive().optional(),
  durationMs: z.number().int().nonnegative().optional(),
  thumbnailUrl: linkUrl.optional(),
});
export type Media = z.infer<typeof mediaSchema>;

const text = z.string().max(LIMITS.textMaxLength, `text longer than ${LIMITS.textMaxLength} characters`);
const base = { id: clientId, conversationId: serverId, createdAt: timestamp };

export const sendCommand = z
  .object({
    ...base,
    type: z.literal('send'),
    messageId: clientId,
    kind: z.enum(SENDABLE_KINDS),
    text: text.default(''),
    media: mediaSchema.optional(),
    replyTo: clientId.optional(),
    /** Higher goes first in the SDK's queue; the server ignores it. */
    priority: z.number().int().min(0).max(9).optional(),
  })
  .refine((c) => c.kind === 'text' ? c.text.trim().length > 0 : c.media !== undefined, {
    message: 'a text message needs text; a media message needs media',
  });

export const editCommand = z.object({ ...base, type: z.literal('edit'), messageId: clientId, text: text.min(1) });
export const recallCommand = z.object({ ...base, type: z.literal('recall'), messageId: clientId });
/** Names of Object.prototype's plumbing: as map keys they reach the prototype instead of the map, so no reaction is called that. */
export const PROTOTYPE_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);
const emoji = z
  .string()
  .min(1)
  .max(LIMITS.reactionMaxLength)
  .refine((e) => !PROTOTYPE_KEYS.has(e) && e.trim().length > 0, 'not a usable reaction');
export const reactCommand = z.object({ ...base, type: z.literal('react'), messageId: clientId, emoji });
export const unreactCommand = z.object({ ...base, type: z.literal('unreact'), messageId: clientId, emoji });
export const readCommand = z.object({ ...base, type: z.literal('read'), seq: z.number().int().nonnegative() });
export const renameCommand = z.object({
  ...base,
  type: z.literal('rename'),
  title: nameField(LIMITS.titleMaxLength),
});
export const setAvatarCommand = z.object({
  ...base,
  type: z.literal('setAvatar'),
  avatarUrl: linkUrl.nullable(),
});
export const addMembersCommand = z.object({
  ...base,
  type: z.literal('addMembers'),
  userIds: z.array(serverId).min(1).max(LIMITS.groupMaxMembers),
});
export const removeMemberCommand = z.object({ ...base, type: z.literal('removeMember'), userId: serverId });
export const setRoleCommand = z.object({
  ...base,
  type: z.literal('setRole'),
  userId: serverId,
  role: z.enum(['admin', 'member']),
});
export const leaveCommand = z.object({ ...base, type: z.literal('leave') });
export const setStatusCommand = z.object({
  ...base,
  type: z.literal('setStatus'),
  status: z.enum(CONVERSATION_STATUSES),
});

export const commandSchema = z.discriminatedUnion('type', [
  sendCommand,
  editCommand,
  recallCommand,
  reactCommand,
  unreactCommand,
  readCommand,
  renameCommand,
  setAvatarCommand,
  addMembersCommand,
  removeMemberCommand,
  setRoleCommand,
  leaveCommand,
  setStatusCommand,
]);

export type Command = z.infer<typeof commandSchema>;
export type CommandType = Command['type'];
export type SendCommand = z.infer<typeof sendCommand>;
export const COMMAND_TYPES = [
  'send', 'edit', 'recall', 'react', 'unreact', 'read',
  'rename', 'setAvatar', 'addMembers', 'removeMember', 'setRole', 'leave', 'setStatus',
] as const satisfies readonly CommandType[];

/**
 * A command's fate. In a user document's `results` only the fields of the
 * contract are stored (`{id, status, seq}` or `{id, status, code, message}`):
 * 500 of them must fit a small document. The REST API and the executor hand out
 * the optional fields too.
 */
export type CommandResult =
  | { id: string; status: 'sent'; seq: number; messageId?: string; conversationId?: string; at?: number }
  | ({ id: string; status: 'failed'; conversationId?: string; messageId?: string; at?: number } & ParleyErrorBody);

/** The stored form of a result (rule O3). */
export function storedResult(result: CommandResult): CommandResult {
  return result.status === 'sent'
    ? { id: result.id, status: 'sent', seq: result.seq }
    : { id: result.id, status: 'failed', code: result.code, message: result.message };
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: ParleyErrorBody };

const invalid = (message: string): ParseResult<never> => ({ ok: false, error: { code: 'VALIDATION_FAILED', message } });

/**
 * Validates an outbox entry. Pure: no I/O, no clock. Total: whatever a Yjs
 * document can hold (BigInt, binary, deep nesting, prototype-named keys) gets
 * a coded refusal, never an exception, so a poison entry cannot stall the
 * outbox behind it (rule O8).
 */
export function parseCommand(raw: unknown): ParseResult<Command> {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return invalid('a command is a JSON object');
  const shape = measure(raw);
  if (!shape.ok) return shape.tooLarge
    ? { ok: false, error: { code: 'PAYLOAD_TOO_LARGE', message: `command is over ${LIMITS.commandMaxBytes} bytes` } }
    : invalid(shape.message);
  const size = byteLength(JSON.stringify(raw));
  if (size > LIMITS.commandMaxBytes) {
    return { ok: false, error: { code: 'PAYLOAD_TOO_LARGE', message: `command is ${size} bytes; the limit is ${LIMITS.commandMaxBytes}` } };
  }
  const type = (raw as { type?: unknown }).type;
  if (typeof type !== 'string' || !(COMMAND_TYPES as readonly string[]).includes(type)) {
    return { ok: false, error: { code: 'UNKNOWN_COMMAND', message: `unknown command type ${JSON.stringify(type)}` } };
  }
  let parsed: ReturnType<typeof commandSchema.safeParse>;
  try {
    parsed = commandSchema.safeParse(raw);
  } catch {
    return invalid('invalid command');
  }
  if (parsed.success) return { ok: true, value: parsed.data };
  const issue = parsed.error.issues[0];
  const tooLong = issue?.code === 'too_big' && issue.path[0] === 'text';
  return {
    ok: false,
    error: {
      code: tooLong ? 'TEXT_TOO_LONG' : 'VALIDATION_FAILED',
      message: issue ? `${issue.path.join('.') || 'command'}: ${issue.message}` : 'invalid command',
    },
  };
}

type Shape = { ok: true } | { ok: false; tooLarge: boolean; message: string };

/**
 * Walks a value without recursion: plain JSON only (no BigInt, binary,
 * functions, non-finite numbers or prototype-named keys), at most
 * `LIMITS.commandMaxDepth` deep, and stops as soon as the size estimate
 * passes `LIMITS.commandMaxBytes`, so a huge entry costs no more than a small one.
 */
function measure(root: object): Shape {
  const stack: Array<[unknown, number]> = [[root, 1]];
  let bytes = 0;
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (bytes > LIMITS.commandMaxBytes) return { ok: false, tooLarge: true, message: 'too large' };
    switch (typeof value) {
      case 'string':
        bytes += value.length + 2;
        continue;
      case 'boolean':
        bytes += 5;
        continue;
      case 'number':
        if (!Number.isFinite(value)) return { ok: false, tooLarge: false, message: 'numbers must be finite' };
        bytes += 8;
        continue;
      case 'object':
        break;
      default:
        return { ok: false, tooLarge: false, message: `a ${typeof value} is not JSON` };
    }
    if (value === null) {
      bytes += 4;
      continue;
    }
    if (depth > LIMITS.commandMaxDepth) return { ok: false, tooLarge: false, message: `nested deeper than ${LIMITS.commandMaxDepth} levels` };
    if (Array.isArray(value)) {
      bytes += 2 + value.length;
      for (const item of value) stack.push([item, depth + 1]);
      continue;
    }
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) return { ok: false, tooLarge: false, message: 'only plain objects, arrays, strings, numbers, booleans and null' };
    for (const key of Object.keys(value)) {
      if (PROTOTYPE_KEYS.has(key)) return { ok: false, tooLarge: false, message: `a key named ${key}` };
      bytes += key.length + 4;
      stack.push([(value as Record<string, unknown>)[key], depth + 1]);
    }
  }
  return { ok: true };
}

/** The id of an outbox entry, if it has a usable one (to address its result). */
export function commandIdOf(raw: unknown): string | undefined {
  const id = (raw as { id?: unknown } | null)?.id;
  return typeof id === 'string' && clientId.safeParse(id).success ? id : undefined;
}

export function byteLength(s: string): number {
  return new TextEncoder().encode(s).length;
}
