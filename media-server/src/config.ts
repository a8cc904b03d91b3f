import path from 'node:path';
import { DEFAULT_PORTS, DEFAULT_SIZE_LIMITS, LIMITS, MEDIA_LIMITS, type MediaSizeLimits } from '@parley/schema';
import { port, positiveInt, readOrCreateSecret } from '@parley/schema/env';

/** S3-compatible object storage for uploads (MinIO, AWS, ...); without it, files live in the data folder. */
export interface S3Config {
  bucket: string;
  region: string;
  endpoint?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  /** Path-style URLs (`endpoint/bucket/key`), as MinIO wants. */
  forcePathStyle: boolean;
}

/** Every setting of the media-server, parsed once at start (CONTRACT.md, "Configuration"; docs/operations.md). */
export interface MediaConfig {
  dataDir: string;
  /** Same as the sync-server's: the index is read for memberships and written for uploads. */
  databaseUrl: string | undefined;
  /** Shared with the sync-server: it signs the access tokens this server checks. */
  jwtSecret: string;
  port: number;
  host: string;
  logLevel: string;
  /** How long a graceful shutdown may take before open connections are cut. */
  shutdownGraceMs: number;
  /** Largest upload per kind, bytes. */
  sizeLimits: MediaSizeLimits;
  /** Unfinished uploads older than this are deleted. */
  uploadExpiryMs: number;
  /** How often expired uploads are looked for. */
  cleanupIntervalMs: number;
  signedUrlTtlSeconds: number;
  accessTokenTtlSeconds: number;
  s3: S3Config | null;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<MediaConfig> = {}): MediaConfig {
  const dataDir = path.resolve(overrides.dataDir ?? env.PARLEY_DATA_DIR ?? './data');
  const mb = (value: string | undefined, fallback: number) => (value ? positiveInt(value, 1) * 1024 * 1024 : fallback);
  return {
    dataDir,
    databaseUrl: env.DATABASE_URL || undefined,
    jwtSecret: overrides.jwtSecret ?? (env.JWT_SECRET || readOrCreateSecret(dataDir)),
    port: port(env.MEDIA_PORT, DEFAULT_PORTS.media),
    host: env.MEDIA_HOST || '0.0.0.0',
    logLevel: env.LOG_LEVEL || 'info',
    shutdownGraceMs: 10_000,
    sizeLimits: {
      image: mb(env.MEDIA_MAX_IMAGE_MB, DEFAULT_SIZE_LIMITS.image),
      video: mb(env.MEDIA_MAX_VIDEO_MB, DEFAULT_SIZE_LIMITS.video),
      file: mb(env.MEDIA_MAX_FILE_MB, DEFAULT_SIZE_LIMITS.file),
    },
    uploadExpiryMs: positiveInt(env.MEDIA_UPLOAD_EXPIRY_MS, MEDIA_LIMITS.uploadExpiryMs),
    cleanupIntervalMs: positiveInt(env.MEDIA_CLEANUP_INTERVAL_MS, 15 * 60 * 1000),
    signedUrlTtlSeconds: positiveInt(env.MEDIA_SIGNED_URL_TTL_S, MEDIA_LIMITS.signedUrlTtlSeconds),
    accessTokenTtlSeconds: LIMITS.accessTokenTtlSeconds,
    s3: env.S3_BUCKET
      ? {
          bucket: env.S3_BUCKET,
          region: env.S3_REGION || 'us-east-1',
          ...(env.S3_ENDPOINT ? { endpoint: env.S3_ENDPOINT } : {}),
          ...(env.S3_ACCESS_KEY_ID ? { accessKeyId: env.S3_ACCESS_KEY_ID } : {}),
          ...(env.S3_SECRET_ACCESS_KEY ? { secretAccessKey: env.S3_SECRET_ACCESS_KEY } : {}),
          forcePathStyle: env.S3_FORCE_PATH_STYLE === 'true' || Boolean(env.S3_ENDPOINT),
        }
      : null,
    ...overrides,
  };
}
