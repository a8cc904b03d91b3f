import type { ParleyClient } from '@parley/client/sdk';
import { selectConversation } from '../../stores/ui.ts';

/** Opens (or creates) the direct chat with a user and shows it. */
export async function startChat(client: ParleyClient, userId: string): Promise<void> {
  const conversation = await client.createDirectConversation(userId);
  selectConversation(conversation.id);
}
