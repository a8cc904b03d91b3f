import { conversationDocName, userDocName } from '@parley/schema';
import * as Y from 'yjs';
import { historyKey } from '../conversations/ConversationHandle.ts';
import { outboxStorageKeys } from '../outbox/Outbox.ts';
import type { ClientStorage } from '../storage/types.ts';

/**
 * Everything a user leaves on the device (logout, rule SDK-A3): the user
 * document (drafts, settings, unsent messages), the documents and read history
 * pages of the conversations it knows, the outbox's copies of unconfirmed, waiting and sent messages.
 * The cached conversation list is the ConversationCache's to clear.
 */
export async function forgetLocalData(storage: ClientStorage, userId: string, conversationIds: readonly string[]): Promise<void> {
  await Promise.all([
    clearDoc(storage, userDocName(userId)),
    ...conversationIds.flatMap((id) => [clearDoc(storage, conversationDocName(id)), storage.delete(historyKey(userId, id))]),
    ...Object.values(outboxStorageKeys(userId)).map((key) => storage.delete(key)),
  ]);
}

/** Deletes a document's stored copy without connecting it anywhere. */
async function clearDoc(storage: ClientStorage, name: string): Promise<void> {
  const doc = new Y.Doc();
  const persistence = storage.persistDoc(name, doc, () => {});
  await persistence.whenLoaded.catch(() => undefined);
  await persistence.clear();
  doc.destroy();
}
