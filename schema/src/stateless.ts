import { z } from 'zod';

/**
 * Messages on a user document's stateless channel (rules R1, R2): sent with
 * `sendStateless`, never stored. Both sides build and read them here, so a
 * message name is written once. A new kind (calls will send invitations this
 * way) is one more member of this list.
 */
const STATELESS_MESSAGES = [
  z.object({ type: z.literal('ping'), t: z.number() }),
  z.object({ type: z.literal('pong'), t: z.number() }),
  z.object({ type: z.literal('presence'), userId: z.string(), online: z.boolean() }),
  z.object({ type: z.literal('presenceSnapshot'), online: z.array(z.string()) }),
] as const;

export const statelessMessage = z.discriminatedUnion('type', STATELESS_MESSAGES);
export type StatelessMessage = z.infer<typeof statelessMessage>;
export type StatelessType = StatelessMessage['type'];
export type StatelessOf<T extends StatelessType> = Extract<StatelessMessage, { type: T }>;

export function encodeStateless(message: StatelessMessage): string {
  return JSON.stringify(message);
}

/** The message a payload carries, or null for anything else (not JSON, unknown type, wrong fields): a peer's junk is ignored. */
export function parseStateless(payload: string): StatelessMessage | null {
  let json: unknown;
  try {
    json = JSON.parse(payload);
  } catch {
    return null;
  }
  const parsed = statelessMessage.safeParse(json);
  return parsed.success ? parsed.data : null;
}
