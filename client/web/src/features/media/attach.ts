import { checkUpload, DEFAULT_SIZE_LIMITS, kindOfType } from '@parley/schema';
import { addPicked } from '../../stores/uploads.ts';
import { formatBytes } from './format.ts';

type T = (key: string, options?: Record<string, unknown>) => string;

/**
 * Files picked, pasted or dropped: the acceptable ones go to the tray; the first
 * refusal (type or size: the SDK's own check, schema/src/media.ts) is shown,
 * and nothing of a refused file is sent.
 */
export function pickFiles(conversationId: string, files: Iterable<File>, t: T, language: string): void {
  const accepted: File[] = [];
  let refusal: string | null = null;
  for (const file of files) {
    const kind = kindOfType(file.type);
    const refused = checkUpload(file, kind);
    if (!refused) accepted.push(file);
    else if (!refusal) {
      const key = refused.code === 'PAYLOAD_TOO_LARGE' ? 'media.tooLarge' : refused.code === 'VALIDATION_FAILED' ? 'media.empty' : 'media.badType';
      refusal = t(key, { name: file.name, limit: formatBytes(DEFAULT_SIZE_LIMITS[kind], language) });
    }
  }
  addPicked(conversationId, accepted, refusal);
}
