import type { AuthResponse } from '@parley/schema';
import type { ConversationHandle, MessageFailedEvent, ParleyClient } from '../../../client/src/sdk/index.ts';
import { account, client } from '../../../client/test/helpers.ts';
import type { Instance } from './cluster.ts';
import { sleep } from './daemons.ts';

/**
 * The chaos suite's users: real SDK clients (memory storage) in groups, split
 * between the instances, each connected through its instance's cable, each
 * sending its share of messages at a steady pace.
 */
export interface Member {
  auth: AuthResponse;
  client: ParleyClient;
  conversationId: string;
  room: ConversationHandle;
  /** The message ids this member sent, in order. */
  sent: string[];
  /** messageSent events: command id → message id, and how often each command id was confirmed. */
  confirmed: Map<string, { messageId: string; times: number }>;
  failed: MessageFailedEvent[];
  reconnects: number;
  /** The client's error events, for the verdict's findings. */
  errors: string[];
  /** The instance this member's connections go to. */
  instance: string;
}

export async function startMembers(options: { instances: Instance[]; clients: number; conversations: number }): Promise<Member[]> {
  const { instances } = options;
  const perGroup = options.clients / options.conversations;
  const auths: AuthResponse[] = [];
  for (let i = 0; i < options.clients; i++) auths.push(await account(instances[0]!.child!.url, `chaos${i}`));
  const members: Member[] = [];
  for (let g = 0; g < options.conversations; g++) {
    const group = auths.slice(g * perGroup, (g + 1) * perGroup);
    // Member i talks to instance i mod n: every group spans the instances.
    const instanceOf = (j: number) => instances[(g * perGroup + j) % instances.length]!;
    const clients = group.map((auth, j) => client(instanceOf(j).url, auth, {
      reconnect: { strategy: 'exponential', initialDelay: 100, maxDelay: 1000, jitter: 0.5 },
      heartbeat: { interval: 2000, timeout: 6000 },
    }));
    await Promise.all(clients.map((c) => c.connect()));
    const conversation = await clients[0]!.createGroup(`chaos ${g}`, group.slice(1).map((a) => a.user.id));
    for (const [j, c] of clients.entries()) {
      const member: Member = { auth: group[j]!, client: c, conversationId: conversation.id, room: await c.openConversation(conversation.id), sent: [], confirmed: new Map(), failed: [], reconnects: 0, errors: [], instance: instanceOf(j).name };
      c.on('messageSent', ({ commandId, messageId }) => {
        const seen = member.confirmed.get(commandId);
        if (seen) seen.times++;
        else member.confirmed.set(commandId, { messageId, times: 1 });
      });
      c.on('messageFailed', (event) => member.failed.push(event));
      c.on('reconnected', () => member.reconnects++);
      c.on('error', (error) => member.errors.push(`${error.code}: ${error.message}`));
      members.push(member);
    }
  }
  return members;
}

/** Each member sends `count` more messages, one every `everyMs` on average (jittered, so the instances see a mixed stream). */
export async function sendSome(members: Member[], count: number, everyMs: number): Promise<void> {
  await Promise.all(members.map(async (member, i) => {
    await sleep((i * everyMs) / members.length);
    for (let n = 0; n < count; n++) {
      const sent = await member.client.sendMessage({ conversationId: member.conversationId, text: `${member.auth.user.username} #${member.sent.length}` });
      member.sent.push(sent.messageId);
      // Failures arrive as messageFailed events too; the verdict reads those.
      sent.confirmed.catch(() => undefined);
      await sleep(everyMs * (0.5 + Math.random()));
    }
  }));
}

/** Loads every older page into the member's list (history ∪ window, SDK rule). */
export async function loadAll(member: Member): Promise<void> {
  while (member.room.hasMore || !member.room.messages().some((m) => m.seq === 1)) {
    const { hasMore } = await member.room.loadOlder(200);
    if (!hasMore) break;
  }
}

export async function stopMembers(members: Member[]): Promise<void> {
  await Promise.all(members.map((m) => m.client.destroy().catch(() => undefined)));
}
