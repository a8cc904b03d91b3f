import type { Media, MediaKind, MediaSizeLimits, ParleyError } from '@parley/schema';
import type { ClientStorage } from '../storage/types.ts';

/** A file to upload: a browser `File` as it is, or, in Node, a description and what tus-js-client reads (a Buffer or an `fs.ReadStream`). */
export interface UploadFile {
  name: string;
  type: string;
  size: number;
  lastModified?: number;
  /** What is read; the object itself when absent (a `File` or `Blob`). */
  data?: unknown;
}

export interface UploadOptions {
  conversationId: string;
  /** Default: by the file's type (images and videos as such, the rest as files). */
  kind?: MediaKind;
  /** Captured by the client before upload (a video's size and duration: the server does not run ffmpeg). */
  width?: number;
  height?: number;
  durationMs?: number;
  /** A video's poster frame, uploaded as an image after the video; its URL becomes the descriptor's thumbnailUrl. */
  poster?: UploadFile;
}

export type UploadState =
  /** Waiting for a free slot (the concurrency limit). */
  | 'queued'
  /** Waiting for the network to return. */
  | 'offline'
  | 'uploading'
  | 'paused'
  /** A network or server failure: `resume()` retries; the message stays pending. */
  | 'failed'
  | 'done'
  /** Refused by the server (type, size, membership): final; `result` rejected. */
  | 'refused'
  | 'cancelled';

export interface UploadProgress {
  sent: number;
  total: number;
}

export interface UploadEvents {
  progress: (progress: UploadProgress) => void;
  state: (state: UploadState, error?: ParleyError) => void;
}

export interface UploadHandle {
  /** Local id: stable for this upload while the page lives. */
  readonly id: string;
  readonly file: Readonly<Pick<UploadFile, 'name' | 'type' | 'size'>>;
  readonly conversationId: string;
  readonly kind: MediaKind;
  readonly state: UploadState;
  readonly progress: UploadProgress;
  /** The last failure, while `state` is `failed` or `refused`. */
  readonly error: ParleyError | null;
  /**
   * The media descriptor once the upload finishes: pass it as `media` to
   * `sendMessage`, which holds the message pending until then. Rejects only
   * when the upload is cancelled or refused; a network failure leaves it
   * pending (retryable).
   */
  readonly result: Promise<Media>;
  pause(): void;
  /** Resumes a paused or failed upload from where the server has it. */
  resume(): void;
  /** Stops, deletes the partial upload on the server, forgets its URL, rejects `result` (UPLOAD_CANCELLED). */
  cancel(): Promise<void>;
  on<K extends keyof UploadEvents>(event: K, fn: UploadEvents[K]): () => void;
}

/** Whether the network is up; the SDK's connection state or `navigator.onLine` behind this interface. */
export interface OnlineSignal {
  isOnline(): boolean;
  /** Calls back on every change; returns the unsubscribe. */
  subscribe(fn: (online: boolean) => void): () => void;
}

export interface UploadsConfig {
  /** tus endpoint, e.g. `https://chat.example/files/` (the web app proxies /files). */
  endpoint: string;
  /** The current access token; called before every request, so a refreshed token is used. */
  getToken: () => string | Promise<string>;
  /** Upload URLs are kept here so that a reload resumes (key prefix `uploads:`). */
  storage: ClientStorage;
  online?: OnlineSignal;
  /** Uploads running at once; the rest wait in order. Default 3. */
  concurrency?: number;
  /** Bytes per PATCH. Browsers stream a File without it; Node streams need it. Default 8 MiB. */
  chunkSize?: number;
  /** Refuse before any byte: the server's limits if the app knows them; the defaults otherwise. */
  sizeLimits?: MediaSizeLimits;
  /** Delays between automatic retries of a failed request. Default [0, 1000, 3000, 5000]. */
  retryDelays?: number[];
}
