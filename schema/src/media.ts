/**
 * What may be uploaded, and how large (docs/api.md, "Media"). One list for the
 * media-server, which enforces it, and the SDK, which refuses a file before any
 * byte is sent. The size limits are defaults: the media-server's settings
 * (docs/operations.md) may change them.
 */

export const MEDIA_KINDS = ['image', 'video', 'file'] as const;
export type MediaKind = (typeof MEDIA_KINDS)[number];

/** Type → the file name extensions it may carry. */
export const IMAGE_TYPES: Readonly<Record<string, readonly string[]>> = {
  'image/jpeg': ['jpg', 'jpeg'],
  'image/png': ['png'],
  'image/gif': ['gif'],
  'image/webp': ['webp'],
  'image/avif': ['avif'],
};

export const VIDEO_TYPES: Readonly<Record<string, readonly string[]>> = {
  'video/mp4': ['mp4', 'm4v'],
  'video/webm': ['webm'],
  'video/quicktime': ['mov', 'qt'],
  'video/x-matroska': ['mkv'],
};

/**
 * Files: any image or video above, and these. `image/svg+xml` and `text/html`
 * are accepted as files only and are never served as active content.
 */
export const FILE_TYPES: Readonly<Record<string, readonly string[]>> = {
  ...IMAGE_TYPES,
  ...VIDEO_TYPES,
  'application/pdf': ['pdf'],
  'application/zip': ['zip'],
  'application/gzip': ['gz', 'tgz'],
  'application/x-7z-compressed': ['7z'],
  'application/x-tar': ['tar'],
  'application/msword': ['doc'],
  'application/vnd.ms-excel': ['xls'],
  'application/vnd.ms-powerpoint': ['ppt'],
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': ['docx'],
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': ['xlsx'],
  'application/vnd.openxmlformats-officedocument.presentationml.presentation': ['pptx'],
  'application/vnd.oasis.opendocument.text': ['odt'],
  'application/vnd.oasis.opendocument.spreadsheet': ['ods'],
  'application/vnd.oasis.opendocument.presentation': ['odp'],
  'audio/mpeg': ['mp3'],
  'audio/ogg': ['ogg', 'oga', 'opus'],
  'audio/wav': ['wav'],
  'audio/x-m4a': ['m4a'],
  'audio/flac': ['flac'],
  'text/plain': ['txt', 'log', 'md'],
  'text/csv': ['csv'],
  'text/markdown': ['md', 'markdown'],
  'application/json': ['json'],
  'image/svg+xml': ['svg'],
  'text/html': ['html', 'htm'],
};

/** Types with no magic bytes: their content must be text (no NUL byte) and match no binary signature. */
export const TEXT_TYPES: ReadonlySet<string> = new Set([
  'text/plain', 'text/csv', 'text/markdown', 'application/json', 'image/svg+xml', 'text/html',
]);

/** Types a browser could run as a page or script: always served as an attachment, sandboxed. */
export const ACTIVE_TYPES: ReadonlySet<string> = new Set(['image/svg+xml', 'text/html']);

export const MEDIA_LIMITS = {
  imageMaxBytes: 20 * 1024 * 1024,
  videoMaxBytes: 4 * 1024 * 1024 * 1024,
  fileMaxBytes: 4 * 1024 * 1024 * 1024,
  /** Unfinished uploads are deleted this long after creation. */
  uploadExpiryMs: 24 * 60 * 60 * 1000,
  /** Lifetime of a signed media URL (`?sig=`). */
  signedUrlTtlSeconds: 10 * 60,
  /** Thumbnails fit in this square. */
  thumbnailMaxPixels: 320,
} as const;

export type MediaSizeLimits = Record<MediaKind, number>;

export const DEFAULT_SIZE_LIMITS: MediaSizeLimits = {
  image: MEDIA_LIMITS.imageMaxBytes,
  video: MEDIA_LIMITS.videoMaxBytes,
  file: MEDIA_LIMITS.fileMaxBytes,
};

export function allowedTypes(kind: MediaKind): Readonly<Record<string, readonly string[]>> {
  return kind === 'image' ? IMAGE_TYPES : kind === 'video' ? VIDEO_TYPES : FILE_TYPES;
}

/** The kind a type is uploaded as when the client names none: images and videos by their type, the rest as files. */
export function kindOfType(mimeType: string): MediaKind {
  return Object.hasOwn(IMAGE_TYPES, mimeType) ? 'image' : Object.hasOwn(VIDEO_TYPES, mimeType) ? 'video' : 'file';
}

export type MediaRefusal = { code: 'UNSUPPORTED_TYPE' | 'PAYLOAD_TOO_LARGE' | 'VALIDATION_FAILED'; message: string };

/**
 * Whether a file may be uploaded as `kind`: the type is on the kind's list, the
 * name's extension (if it has one) belongs to the type, and the size is within
 * the kind's limit. Pure: the server and the SDK run the same check.
 */
export function checkUpload(
  file: { name: string; type: string; size: number },
  kind: MediaKind,
  limits: MediaSizeLimits = DEFAULT_SIZE_LIMITS,
): MediaRefusal | null {
  const type = file.type.toLowerCase();
  const extensions = Object.hasOwn(allowedTypes(kind), type) ? allowedTypes(kind)[type] : undefined;
  if (!extensions) return { code: 'UNSUPPORTED_TYPE', message: `${file.type || 'an unknown type'} cannot be sent as ${kind === 'image' ? 'an image' : `a ${kind}`}` };
  const dot = file.name.lastIndexOf('.');
  const extension = dot > 0 ? file.name.slice(dot + 1).toLowerCase() : '';
  if (extension && !extensions.includes(extension)) {
    return { code: 'UNSUPPORTED_TYPE', message: `a .${extension} file is not ${type}` };
  }
  if (!Number.isSafeInteger(file.size) || file.size <= 0) return { code: 'VALIDATION_FAILED', message: 'an empty file cannot be sent' };
  if (file.size > limits[kind]) {
    return { code: 'PAYLOAD_TOO_LARGE', message: `the file is ${file.size} bytes; ${kind}s may be ${limits[kind]} bytes at most` };
  }
  return null;
}

/** Upload ids are what the media-server's naming function makes: 32 hex digits. Nothing else names a file. */
export const UPLOAD_ID = /^[0-9a-f]{32}$/;

/**
 * The upload id of a media URL as tus returned it (`/files/<id>`, absolute or
 * not, a query allowed) or of its thumbnail (`/files/<id>/thumbnail`).
 */
export function uploadIdOf(url: string): { id: string; thumbnail: boolean } | null {
  const path = url.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]+/i, '').replace(/^\/\/[^/]+/, '').split(/[?#]/)[0] ?? '';
  const match = /^(?:\/[^/]+)*?\/files\/([0-9a-f]{32})(\/thumbnail)?$/.exec(path);
  return match ? { id: match[1]!, thumbnail: match[2] !== undefined } : null;
}
