import type { Kysely } from 'kysely';
import { IMAGE_TYPES, VIDEO_TYPES, uploadIdOf, type Command, type Media } from '@parley/schema';
import type { Database } from '@parley/schema/db';
import type { Decision } from './decide.ts';

/**
 * Rule F1 (docs/protocol.md): a message's media descriptor names a finished
 * upload of the sender, in that conversation, whose type fits the kind. The
 * media-server wrote the upload rows; here they are only read.
 */

export interface UploadFacts {
  id: string;
  userId: string;
  conversationId: string;
  kind: string;
  mimeType: string;
  size: number;
  status: string;
  filename: string;
  width: number | null;
  height: number | null;
  hasThumbnail: boolean;
}

type Judgement = { ok: true; media: Media } | Extract<Decision, { ok: false }>;
const refuse = (code: 'MEDIA_INVALID' | 'NOT_ALLOWED', message: string): Judgement => ({ ok: false, code, message });

/** Pure: the descriptor as it will be stored (dimensions and thumbnail of an image from the server), or the refusal. */
export function judgeMedia(
  actorId: string,
  command: { conversationId: string; kind: string; media: Media },
  upload: UploadFacts | undefined,
  poster: UploadFacts | undefined,
): Judgement {
  const { media, kind } = command;
  if (kind !== 'image' && kind !== 'video' && kind !== 'file') return refuse('MEDIA_INVALID', `a ${kind} message carries no media`);
  const named = uploadIdOf(media.url);
  if (!named || named.thumbnail) return refuse('MEDIA_INVALID', 'media.url must be the URL of an upload (/files/<id>)');
  const owned = (u: UploadFacts | undefined, what: string): Judgement | null => {
    if (!u) return refuse('MEDIA_INVALID', `no such upload: ${what}`);
    // A forged descriptor naming somebody else's file, or a file of another conversation.
    if (u.userId !== actorId) return refuse('NOT_ALLOWED', `${what} is another user's upload`);
    if (u.conversationId !== command.conversationId) return refuse('NOT_ALLOWED', `${what} belongs to another conversation`);
    if (u.status !== 'complete') return refuse('MEDIA_INVALID', `${what} is not finished`);
    return null;
  };
  const problem = owned(upload, 'media.url');
  if (problem || !upload) return problem!;
  const fits = kind === 'image' ? Object.hasOwn(IMAGE_TYPES, upload.mimeType) && upload.kind === 'image'
    : kind === 'video' ? Object.hasOwn(VIDEO_TYPES, upload.mimeType) && upload.kind === 'video'
    : true;
  if (!fits) return refuse('MEDIA_INVALID', `a ${upload.mimeType} upload cannot be sent as ${kind === 'image' ? 'an image' : `a ${kind}`}`);
  if (media.mimeType.toLowerCase() !== upload.mimeType) return refuse('MEDIA_INVALID', `media.mimeType is ${media.mimeType}; the upload is ${upload.mimeType}`);
  if (media.size !== upload.size) return refuse('MEDIA_INVALID', `media.size is ${media.size}; the upload has ${upload.size} bytes`);

  let thumbnailUrl: string | undefined;
  if (upload.hasThumbnail) thumbnailUrl = `/files/${upload.id}/thumbnail`;
  else if (media.thumbnailUrl !== undefined) {
    // A video's poster: an image the sender uploaded to the same conversation.
    const target = uploadIdOf(media.thumbnailUrl);
    if (!target) return refuse('MEDIA_INVALID', 'media.thumbnailUrl must be the URL of an upload');
    const posterProblem = owned(poster, 'media.thumbnailUrl');
    if (posterProblem || !poster) return posterProblem!;
    if (!Object.hasOwn(IMAGE_TYPES, poster.mimeType)) return refuse('MEDIA_INVALID', 'media.thumbnailUrl is not an image');
    thumbnailUrl = poster.hasThumbnail ? `/files/${poster.id}/thumbnail` : `/files/${poster.id}`;
  }
  const { width, height, durationMs } = media;
  return {
    ok: true,
    media: {
      url: `/files/${upload.id}`,
      mimeType: upload.mimeType,
      size: upload.size,
      name: media.name ?? upload.filename,
      // An image's dimensions are the server's; a video's come from the client, which measured them.
      ...(upload.width && upload.height ? { width: upload.width, height: upload.height } : width && height ? { width, height } : {}),
      ...(durationMs !== undefined ? { durationMs } : {}),
      ...(thumbnailUrl ? { thumbnailUrl } : {}),
    },
  };
}

/**
 * The edge: loads the uploads a send names and applies `judgeMedia` to a
 * decision `decide` accepted. Other commands and refusals pass unchanged.
 */
export async function checkMedia(db: Kysely<Database>, actorId: string, command: Command, decision: Decision): Promise<Decision> {
  if (!decision.ok || command.type !== 'send') return decision;
  const { media } = command;
  if (!media) return decision;
  const ids = [uploadIdOf(media.url)?.id, media.thumbnailUrl ? uploadIdOf(media.thumbnailUrl)?.id : undefined].filter((id): id is string => !!id);
  const rows = ids.length ? await db.selectFrom('uploads').selectAll().where('id', 'in', ids).execute() : [];
  const facts = (id: string | undefined): UploadFacts | undefined => {
    const r = rows.find((row) => row.id === id);
    return r && {
      id: r.id, userId: r.user_id, conversationId: r.conversation_id, kind: r.kind, mimeType: r.mime_type, size: Number(r.size),
      status: r.status, filename: r.filename, width: r.width == null ? null : Number(r.width), height: r.height == null ? null : Number(r.height),
      hasThumbnail: r.thumbnail_key != null,
    };
  };
  const judged = judgeMedia(actorId, { conversationId: command.conversationId, kind: command.kind, media }, facts(ids[0]), facts(ids[1]));
  if (!judged.ok) return judged;
  return { ...decision, effects: decision.effects.map((e) => (e.type === 'append' && e.id === command.messageId ? { ...e, media: judged.media } : e)) };
}
