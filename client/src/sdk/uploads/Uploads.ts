import * as tus from 'tus-js-client';
import { checkUpload, isErrorCode, kindOfType, ParleyError, type Media, type MediaKind } from '@parley/schema';
import { Emitter } from '../events.ts';
import { uuidv7 } from '../ids.ts';
import type { OnlineSignal, UploadEvents, UploadFile, UploadHandle, UploadOptions, UploadProgress, UploadState, UploadsConfig } from './types.ts';
import { fingerprintOf, sdkUrlStorage } from './urlStorage.ts';

const ALWAYS_ONLINE: OnlineSignal = { isOnline: () => true, subscribe: () => () => {} };

/**
 * The SDK's uploads part (docs/sdk.md, "Uploads"): tus uploads with progress,
 * pause, resume and cancel, a concurrency limit, URLs kept in the SDK's storage
 * so a reload resumes, and files chosen offline started when the network
 * returns. It knows nothing of messages: a handle's `result` is the media
 * descriptor the facade's `sendMessage` takes as a promise.
 */
export class Uploads {
  private readonly config: Required<Omit<UploadsConfig, 'sizeLimits'>> & Pick<UploadsConfig, 'sizeLimits'>;
  private readonly handles: Task[] = [];
  private readonly stopOnline: () => void;

  constructor(config: UploadsConfig) {
    this.config = { online: ALWAYS_ONLINE, concurrency: 3, chunkSize: 8 * 1024 * 1024, retryDelays: [0, 1000, 3000, 5000], ...config };
    this.stopOnline = this.config.online.subscribe((online) => {
      if (online) this.pump();
    });
  }

  /**
   * Starts (or queues) an upload. A type or size the server would refuse
   * throws ParleyError (UNSUPPORTED_TYPE, PAYLOAD_TOO_LARGE, VALIDATION_FAILED)
   * before any byte is sent.
   */
  start(file: UploadFile, options: UploadOptions): UploadHandle {
    const kind = options.kind ?? kindOfType(file.type);
    const refusal = checkUpload(file, kind, this.config.sizeLimits);
    if (refusal) throw new ParleyError(refusal.code, refusal.message);
    if (options.poster) {
      const posterRefusal = checkUpload(options.poster, 'image', this.config.sizeLimits);
      if (posterRefusal) throw new ParleyError(posterRefusal.code, `poster: ${posterRefusal.message}`);
    }
    const task = new Task(this, file, { ...options, kind });
    this.handles.push(task);
    this.pump();
    return task;
  }

  /** Every upload of this session not yet done, cancelled or refused, in the order started. */
  active(): UploadHandle[] {
    return this.handles.filter((h) => !['done', 'cancelled', 'refused'].includes(h.state));
  }

  /** Uploads whose URL is stored from an earlier session (a reload): choose the same file again to resume one. */
  async stored(): Promise<{ name: string; type: string; size: number; conversationId: string; createdAt: string }[]> {
    const previous = await sdkUrlStorage(this.config.storage).findAllUploads();
    return previous.map((p) => ({
      name: p.metadata.filename ?? '', type: p.metadata.filetype ?? '', size: p.size ?? 0,
      conversationId: p.metadata.conversationId ?? '', createdAt: p.creationTime,
    }));
  }

  /** Stops every upload (kept on the server and in storage, to resume later) and the online subscription. */
  destroy(): void {
    this.stopOnline();
    for (const h of this.handles) if (h.state === 'uploading' || h.state === 'queued' || h.state === 'offline') h.suspend();
  }

  /** @internal Starts queued uploads while slots are free and the network is up. */
  pump(): void {
    const online = this.config.online.isOnline();
    let running = this.handles.filter((h) => h.state === 'uploading').length;
    for (const h of this.handles) {
      if (h.state !== 'queued' && h.state !== 'offline') continue;
      if (!online) {
        h.setState('offline');
        continue;
      }
      if (running >= this.config.concurrency) {
        h.setState('queued');
        continue;
      }
      running++;
      h.run();
    }
  }

  /** @internal */
  get settings() {
    return this.config;
  }
}

class Task extends Emitter<UploadEvents> implements UploadHandle {
  readonly id = uuidv7();
  readonly file: UploadFile;
  readonly conversationId: string;
  readonly kind: MediaKind;
  state: UploadState = 'queued';
  progress: UploadProgress;
  error: ParleyError | null = null;
  readonly result: Promise<Media>;
  private resolve!: (media: Media) => void;
  private reject!: (error: ParleyError) => void;
  private upload: tus.Upload | null = null;
  private fileUrl: string | null = null;

  constructor(
    private readonly owner: Uploads,
    file: UploadFile,
    private readonly options: UploadOptions & { kind: MediaKind },
  ) {
    super();
    this.file = file;
    this.conversationId = options.conversationId;
    this.kind = options.kind;
    this.progress = { sent: 0, total: file.size };
    this.result = new Promise<Media>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    // A caller that only watches events must not get an unhandled rejection.
    this.result.catch(() => {});
  }

  setState(state: UploadState, error?: ParleyError): void {
    if (this.state === state) return;
    this.state = state;
    this.error = error ?? null;
    this.emit('state', state, ...(error ? [error] : []) as [ParleyError?]);
  }

  /** @internal */
  run(): void {
    this.setState('uploading');
    // A retry after the poster failed does not send the finished video again.
    void (this.fileUrl ? Promise.resolve(this.fileUrl) : this.transfer(this.file, this.kind)).then(
      async (url) => {
        this.fileUrl = url;
        const thumbnailUrl = this.options.poster ? await this.transfer(this.options.poster, 'image', false) : undefined;
        const { width, height, durationMs } = this.options;
        this.progress = { sent: this.file.size, total: this.file.size };
        this.setState('done');
        this.resolve({
          url, mimeType: this.file.type.toLowerCase(), size: this.file.size, name: this.file.name,
          ...(width ? { width } : {}), ...(height ? { height } : {}), ...(durationMs !== undefined ? { durationMs } : {}),
          ...(thumbnailUrl ? { thumbnailUrl } : {}),
        });
        this.owner.pump();
      },
    ).catch((error: unknown) => this.failed(error));
  }

  /** Uploads one file; resolves with the path tus returned (`/files/<id>`). */
  private async transfer(file: UploadFile, kind: MediaKind, report = true): Promise<string> {
    const { settings } = this.owner;
    const urlStorage = sdkUrlStorage(settings.storage);
    const fingerprint = fingerprintOf(file, this.conversationId, kind);
    return new Promise<string>((resolve, reject) => {
      const upload = new tus.Upload((file.data ?? file) as Blob, {
        endpoint: settings.endpoint,
        uploadSize: file.size,
        chunkSize: settings.chunkSize,
        retryDelays: settings.retryDelays,
        metadata: { filename: file.name, filetype: file.type.toLowerCase(), conversationId: this.conversationId, kind },
        urlStorage,
        fingerprint: async () => fingerprint,
        storeFingerprintForResuming: true,
        removeFingerprintOnSuccess: true,
        async onBeforeRequest(req) {
          req.setHeader('Authorization', `Bearer ${await settings.getToken()}`);
        },
        // A refusal (4xx other than a conflict or lock) is final; tus-js-client would retry only those anyway.
        onShouldRetry: (error) => {
          const status = error.originalResponse?.getStatus() ?? 0;
          // 401: the token expired mid-upload; the next attempt asks getToken() again, which may have a fresh one.
          return (status === 0 || status >= 500 || status === 401 || status === 409 || status === 423) && settings.online.isOnline();
        },
        onProgress: (sent, total) => {
          if (!report) return;
          this.progress = { sent, total };
          this.emit('progress', this.progress);
        },
        onSuccess: () => resolve(pathOf(upload.url!)),
        onError: (error) => reject(error),
      });
      if (report) this.upload = upload;
      // A stored URL for this file: continue from the server's offset (a reload, or the same file chosen again).
      void upload.findPreviousUploads().then((previous) => {
        // Paused or cancelled while the stored URL was being looked up: do not start.
        if (this.state !== 'uploading') return;
        if (previous[0]) upload.resumeFromPreviousUpload(previous[0]);
        upload.start();
      }, reject);
    });
  }

  private failed(error: unknown): void {
    if (this.state === 'paused' || this.state === 'cancelled') return;
    const status = (error as tus.DetailedError).originalResponse?.getStatus?.() ?? 0;
    const parley = toParleyError(error, status);
    // 401 is not final: once the app has a fresh token, resume() continues.
    if (status >= 400 && status < 500 && status !== 401 && status !== 409 && status !== 423) {
      this.setState('refused', parley);
      this.reject(parley);
    } else if (!this.owner.settings.online.isOnline()) {
      // Back in line: the online signal starts it again.
      this.setState('offline', parley);
    } else {
      this.setState('failed', parley);
    }
    this.owner.pump();
  }

  pause(): void {
    if (this.state !== 'uploading' && this.state !== 'queued' && this.state !== 'offline') return;
    this.setState('paused');
    void this.upload?.abort();
    this.owner.pump();
  }

  resume(): void {
    if (this.state !== 'paused' && this.state !== 'failed') return;
    this.setState('queued');
    this.owner.pump();
  }

  /** @internal Stops without forgetting: a later session resumes from the stored URL. */
  suspend(): void {
    this.setState('paused');
    void this.upload?.abort();
  }

  async cancel(): Promise<void> {
    if (this.state === 'done' || this.state === 'cancelled' || this.state === 'refused') return;
    this.setState('cancelled');
    const upload = this.upload;
    this.reject(new ParleyError('UPLOAD_CANCELLED', 'the upload was cancelled'));
    if (upload) {
      // Terminates on the server (DELETE) and forgets the stored URL.
      await upload.abort(true).catch(() => {});
      const key = (upload as unknown as { _urlStorageKey?: string })._urlStorageKey;
      if (key) await sdkUrlStorage(this.owner.settings.storage).removeUpload(key);
    }
    this.owner.pump();
  }
}

function pathOf(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return url;
  }
}

function toParleyError(error: unknown, status: number): ParleyError {
  const body = (error as tus.DetailedError).originalResponse?.getBody?.();
  if (body) {
    try {
      const parsed = JSON.parse(body) as { error?: { code?: unknown; message?: unknown } };
      if (isErrorCode(parsed.error?.code)) return new ParleyError(parsed.error.code, String(parsed.error.message ?? ''));
    } catch {
      // not ours: fall through
    }
  }
  if (status === 0) return new ParleyError('CONNECTION_FAILED', (error as Error).message ?? 'network error');
  return new ParleyError(status >= 500 ? 'INTERNAL' : 'BAD_REQUEST', (error as Error).message ?? `upload failed (${status})`);
}

export type { UploadFile };
