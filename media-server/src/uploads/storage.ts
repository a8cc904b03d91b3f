import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { FileStore } from '@tus/file-store';
import { S3Store } from '@tus/s3-store';
import type { DataStore } from '@tus/utils';
import type { MediaConfig } from '../config.ts';

/**
 * Where upload bytes live: a folder under PARLEY_DATA_DIR, or an S3 bucket.
 * tus writes through `datastore`; serving and inspection read through `open`,
 * which streams a byte range so nothing is held in memory.
 */
export interface MediaStorage {
  readonly datastore: DataStore;
  /** Bytes `start`–`end` (inclusive) of an upload, streamed. */
  open(id: string, range?: { start: number; end: number }): Promise<Readable>;
  remove(id: string): Promise<void>;
  /** Thumbnails stay on local disk whatever holds the originals: they are small and rebuilt from the original if lost. */
  readonly thumbnailDir: string;
}

export function createStorage(config: MediaConfig): MediaStorage {
  const thumbnailDir = path.join(config.dataDir, 'thumbnails');
  fs.mkdirSync(thumbnailDir, { recursive: true });
  const expirationPeriodInMilliseconds = config.uploadExpiryMs;

  if (config.s3) {
    const { bucket, region, endpoint, accessKeyId, secretAccessKey, forcePathStyle } = config.s3;
    const store = new RangedS3Store({
      expirationPeriodInMilliseconds,
      s3ClientConfig: {
        bucket,
        region,
        forcePathStyle,
        ...(endpoint ? { endpoint } : {}),
        ...(accessKeyId && secretAccessKey ? { credentials: { accessKeyId, secretAccessKey } } : {}),
      },
    });
    return {
      datastore: store,
      thumbnailDir,
      open: (id, range) => store.readRange(id, range),
      remove: (id) => store.remove(id),
    };
  }

  const directory = path.join(config.dataDir, 'uploads');
  fs.mkdirSync(directory, { recursive: true });
  const store = new FileStore({ directory, expirationPeriodInMilliseconds });
  return {
    datastore: store,
    thumbnailDir,
    async open(id, range) {
      return fs.createReadStream(path.join(directory, id), range ? { start: range.start, end: range.end } : {});
    },
    async remove(id) {
      await store.remove(id).catch((error: unknown) => {
        // Gone already (removed by the expiry sweep, or never created): nothing left to delete.
        if ((error as { status_code?: number }).status_code !== 404) throw error;
      });
    },
  };
}

/** The S3 store with ranged reads, which Range requests need (the store's own `read` streams the whole object). */
class RangedS3Store extends S3Store {
  async readRange(id: string, range?: { start: number; end: number }): Promise<Readable> {
    const data = await this.client.getObject({
      Bucket: this.bucket,
      Key: id,
      ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}),
    });
    return data.Body as Readable;
  }
}
