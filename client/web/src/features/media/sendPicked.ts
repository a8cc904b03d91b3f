import type { ParleyClient } from '@parley/client/sdk';
import { setRefusal, takePicked, trackUpload } from '../../stores/uploads.ts';
import { capture } from './capture.ts';

/**
 * Sends the tray's files, each as its own message, in the order picked: the
 * browser measures each first (size, duration, poster), the uploads run side
 * by side (the SDK's concurrency limit), and the SDK's sendFile hands each
 * message to the outbox once its upload and those of the files before it are
 * done, so a small file picked after a large one does not overtake it.
 */
export async function sendPicked(client: ParleyClient, conversationId: string, replyTo?: string): Promise<void> {
  for (const picked of takePicked(conversationId)) {
    try {
      const facts = await capture(picked.file);
      const { upload, sent } = await client.sendFile(picked.file, { conversationId, ...facts, ...(replyTo ? { replyTo } : {}) });
      trackUpload(sent.messageId, upload, { previewUrl: picked.previewUrl, ...(facts.width ? { width: facts.width, height: facts.height } : {}) });
    } catch (e) {
      // The SDK refused it before any byte (a type or size the tray let through, a poster too large).
      setRefusal(conversationId, e instanceof Error ? e.message : String(e));
    }
  }
}

/** Uploads left unfinished by an earlier page of this tab's user: the composer offers to pick them again. */
export async function loadStored(client: ParleyClient): Promise<{ name: string; size: number; conversationId: string }[]> {
  try {
    return (await client.uploads.stored()).filter((s) => !s.name.endsWith('-poster.jpg'));
  } catch {
    return [];
  }
}
