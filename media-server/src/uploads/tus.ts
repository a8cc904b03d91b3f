import type http from 'node:http';
import { randomBytes } from 'node:crypto';
import { Server as TusServer } from '@tus/server';
import { Metadata, type Upload } from '@tus/utils';
import type { Kysely } from 'kysely';
import { ParleyError, checkUpload, codeOfStatus, kindOfType, MEDIA_KINDS, type MediaKind } from '@parley/schema';
import type { Database } from '@parley/schema/db';
import type { MediaConfig } from '../config.ts';
import type { Logger } from '../log.ts';
import { tusRefusal } from '../http.ts';
import { conversationState, isMember } from '../index/access.ts';
import { inspectUpload } from './inspect.ts';
import type { MediaStorage } from './storage.ts';

/** An upload creation that passed every check, waiting for tus to create it. */
export interface Creation {
  userId: string;
  conversationId: string;
  kind: MediaKind;
  mimeType: string;
  filename: string;
  size: number;
}

/**
 * Checks a tus creation (POST /files/) before a byte is stored: the declared
 * length, the metadata, the type against the kind's allow-list and size limit,
 * the uploader's membership, and that the conversation accepts messages.
 */
export async function checkCreation(db: Kysely<Database>, config: MediaConfig, req: http.IncomingMessage, userId: string): Promise<Creation> {
  if (req.headers['upload-defer-length'] !== undefined) throw new ParleyError('BAD_REQUEST', 'declare Upload-Length: deferred lengths are not accepted');
  const lengthHeader = req.headers['upload-length'];
  if (typeof lengthHeader !== 'string' || !/^\d{1,16}$/.test(lengthHeader)) throw new ParleyError('BAD_REQUEST', 'Upload-Length is required');
  if (req.headers['upload-concat'] !== undefined) throw new ParleyError('BAD_REQUEST', 'concatenation is not supported');
  const size = Number(lengthHeader);
  let metadata: Record<string, string | null>;
  try {
    metadata = Metadata.parse(typeof req.headers['upload-metadata'] === 'string' ? req.headers['upload-metadata'] : undefined) ?? {};
  } catch {
    throw new ParleyError('BAD_REQUEST', 'Upload-Metadata is malformed');
  }
  const conversationId = metadata.conversationId;
  const mimeType = metadata.filetype?.toLowerCase();
  const filename = metadata.filename;
  if (!conversationId || conversationId.length > 64) throw new ParleyError('VALIDATION_FAILED', 'metadata conversationId is required');
  if (!mimeType) throw new ParleyError('VALIDATION_FAILED', 'metadata filetype is required');
  if (!filename || filename.length > 255 || [...filename].some((ch) => ch < ' ' || ch === '/' || ch === '\\')) throw new ParleyError('VALIDATION_FAILED', 'metadata filename is required: a name of at most 255 characters, no path');
  const kind = (metadata.kind ?? kindOfType(mimeType)) as MediaKind;
  if (!MEDIA_KINDS.includes(kind)) throw new ParleyError('VALIDATION_FAILED', `metadata kind must be one of ${MEDIA_KINDS.join(', ')}`);
  const refusal = checkUpload({ name: filename, type: mimeType, size }, kind, config.sizeLimits);
  if (refusal) throw new ParleyError(refusal.code, refusal.message);

  const [state, member] = await Promise.all([conversationState(db, conversationId), isMember(db, conversationId, userId)]);
  if (state === 'unknown') throw new ParleyError('NOT_FOUND', 'no such conversation');
  if (!member) throw new ParleyError('NOT_A_MEMBER', 'you are not a member of this conversation');
  if (state !== 'active') throw new ParleyError('CONVERSATION_CLOSED', `the conversation is ${state}`);
  return { userId, conversationId, kind, mimeType, filename, size };
}

interface TusDeps {
  /** The index, once open (the server opens it in listen()). */
  db: () => Kysely<Database>;
  config: MediaConfig;
  storage: MediaStorage;
  log: Logger;
  /** The checked creation of a POST, set by the HTTP edge before tus sees the request. */
  creationOf(req: http.IncomingMessage): Creation | undefined;
}

type NodeRequest = { runtime?: { node?: { req: http.IncomingMessage } } };
const nodeRequest = (req: unknown) => (req as NodeRequest).runtime?.node?.req;

/** tus 1.0.0 at /files/ over the configured storage. Authentication and ownership are checked before a request reaches it. */
export function createTus(deps: TusDeps): TusServer {
  const { config, storage, log } = deps;
  const db = () => deps.db();
  const tus = new TusServer({
    path: '/files',
    datastore: storage.datastore,
    // The web app proxies /files: a relative URL works through the proxy and directly.
    relativeLocation: true,
    // Upload ids are 32 hex digits and nothing else: no name a client chooses reaches the file system.
    namingFunction: () => randomBytes(16).toString('hex'),
    maxSize: Math.max(config.sizeLimits.image, config.sizeLimits.video, config.sizeLimits.file),
    // A finished upload may be in a message: it outlives the upload session.
    disableTerminationForFinishedUploads: true,
    async onUploadCreate(req, upload) {
      const node = nodeRequest(req);
      const creation = node && deps.creationOf(node);
      if (!creation) throw tusRefusal(new ParleyError('INTERNAL', 'creation was not checked'));
      await db().insertInto('uploads').values({
        id: upload.id,
        user_id: creation.userId,
        conversation_id: creation.conversationId,
        filename: creation.filename,
        mime_type: creation.mimeType,
        kind: creation.kind,
        size: creation.size,
        uploaded: 0,
        storage_key: upload.id,
        status: 'pending',
        sha256: null,
        width: null,
        height: null,
        thumbnail_key: null,
        created_at: Date.now(),
        completed_at: null,
      }).execute();
      return {};
    },
    async onUploadFinish(_req, upload) {
      await finish(upload);
      return {};
    },
    onResponseError(_req, error) {
      // Refusals we raised carry a coded JSON body already; the library's own get one here.
      if ('status_code' in error && error.body.startsWith('{')) return undefined;
      const status = 'status_code' in error ? error.status_code : 500;
      if (status >= 500) log.error({ err: error }, 'upload failed');
      const message = 'status_code' in error ? error.body.trim() : 'internal error';
      return tusRefusal(new ParleyError(codeOfStatus(status), message), status);
    },
  });

  async function finish(upload: Upload): Promise<void> {
    const row = await db().selectFrom('uploads').select(['mime_type', 'kind', 'size', 'created_at']).where('id', '=', upload.id).executeTakeFirst();
    if (!row) throw tusRefusal(new ParleyError('NOT_FOUND', 'no such upload'));
    const inspected = await inspectUpload(storage, { id: upload.id, mimeType: row.mime_type, kind: row.kind, size: Number(row.size) });
    const at = Date.now();
    if (!inspected.ok) {
      // Refused with a 4xx, never a 5xx: a client retries a 5xx for ever.
      await storage.remove(upload.id);
      await db().updateTable('uploads').set({ status: 'rejected', completed_at: at }).where('id', '=', upload.id).execute();
      log.warn({ upload: upload.id, mimeType: row.mime_type, reason: inspected.message }, 'upload refused on finish');
      throw tusRefusal(new ParleyError('UNSUPPORTED_TYPE', inspected.message));
    }
    await db().updateTable('uploads').set({
      status: 'complete', uploaded: Number(row.size), completed_at: at,
      width: inspected.width, height: inspected.height, thumbnail_key: inspected.thumbnailKey,
    }).where('id', '=', upload.id).execute();
    const ms = at - Number(row.created_at);
    log.info({ upload: upload.id, bytes: Number(row.size), ms, mbPerS: ms > 0 ? Math.round((Number(row.size) / 1048576 / (ms / 1000)) * 10) / 10 : null }, 'upload finished');
  }

  return tus;
}
