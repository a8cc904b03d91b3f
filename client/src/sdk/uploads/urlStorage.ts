import type { ClientStorage } from '../storage/types.ts';

/**
 * tus-js-client's URL storage over the SDK's storage, so that an upload's URL
 * survives a reload wherever the SDK keeps its data (IndexedDB in browsers).
 * One upload per fingerprint: a file chosen again for the same conversation
 * resumes the upload it started.
 */
export interface PreviousUpload {
  size: number | null;
  metadata: Record<string, string>;
  creationTime: string;
  urlStorageKey: string;
  uploadUrl: string | null;
  parallelUploadUrls: string[] | null;
}

const PREFIX = 'uploads:url:';
const INDEX = 'uploads:index';

export function sdkUrlStorage(storage: ClientStorage) {
  const keys = async () => (await storage.get<string[]>(INDEX)) ?? [];
  return {
    async findAllUploads(): Promise<PreviousUpload[]> {
      const found = await Promise.all((await keys()).map((k) => storage.get<PreviousUpload>(k)));
      return found.filter((u): u is PreviousUpload => u !== undefined);
    },
    async findUploadsByFingerprint(fingerprint: string): Promise<PreviousUpload[]> {
      const upload = await storage.get<PreviousUpload>(PREFIX + fingerprint);
      return upload ? [upload] : [];
    },
    async removeUpload(urlStorageKey: string): Promise<void> {
      await storage.delete(urlStorageKey);
      await storage.set(INDEX, (await keys()).filter((k) => k !== urlStorageKey));
    },
    async addUpload(fingerprint: string, upload: Omit<PreviousUpload, 'urlStorageKey'>): Promise<string> {
      const key = PREFIX + fingerprint;
      await storage.set(key, { ...upload, urlStorageKey: key });
      const all = await keys();
      if (!all.includes(key)) await storage.set(INDEX, [...all, key]);
      return key;
    },
  };
}

/** Same file, same conversation, same kind: the same upload. */
export function fingerprintOf(file: { name: string; type: string; size: number; lastModified?: number }, conversationId: string, kind: string): string {
  return ['parley', conversationId, kind, file.name, file.type, file.size, file.lastModified ?? 0].map((p) => encodeURIComponent(String(p))).join(':');
}
