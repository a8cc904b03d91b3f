import { ParleyError } from '@parley/schema';
import type { Emitter, ParleyEvents } from '../events.ts';
import { uuidv7 } from '../ids.ts';
import type { Outbox } from '../outbox/Outbox.ts';
import { isPromise, sendFields, type SendInput } from './sendInput.ts';

export interface SentHandle {
  messageId: string;
  conversationId: string;
  /** Resolves when the server confirmed (seq) or rejects with its ParleyError. Pending offline as long as it takes. */
  confirmed: Promise<{ seq: number }>;
}

export interface SenderHost {
  /** The outbox once the local state is loaded. */
  outbox(): Promise<Outbox>;
  /** The id of the direct conversation with a user, created if needed. */
  directConversation(userId: string): Promise<string>;
  events: Pick<Emitter<ParleyEvents>, 'on' | 'emit'>;
  /** The conversation's list of messages changed (a pending send). */
  changed(conversationId: string): void;
}

/**
 * sendMessage(): builds the send command, hands it to the outbox, and tracks it
 * to its confirmation. A media send whose upload is still running waits beside
 * the outbox, not in it, so it holds nothing else back.
 */
export class Sender {
  constructor(private readonly host: SenderHost) {}

  async send(input: SendInput): Promise<SentHandle> {
    const outbox = await this.host.outbox();
    const conversationId = input.conversationId ?? (input.toUserId ? await this.host.directConversation(input.toUserId) : undefined);
    if (!conversationId) throw new ParleyError('VALIDATION_FAILED', 'sendMessage: conversationId or toUserId is required');
    const base = sendFields(input, conversationId, { commandId: uuidv7(), messageId: uuidv7() }, Date.now());
    const { messageId } = base;
    const confirmed = this.confirmation(messageId);
    const failed = (error: ParleyError) => this.host.events.emit('messageFailed', { commandId: base.id, messageId, conversationId, error, retryable: false });
    if (input.media && isPromise(input.media)) {
      // Validate what we can now so bad input fails before the upload ends.
      outbox.hold({ ...base, media: undefined } as never);
      input.media.then(
        (media) => {
          outbox.release(messageId);
          try {
            outbox.append({ ...base, media });
          } catch (e) {
            failed(e as ParleyError);
          }
        },
        (e: unknown) => {
          outbox.release(messageId);
          failed(e instanceof ParleyError ? e : new ParleyError('MESSAGE_SEND_FAILED', `upload failed: ${(e as Error)?.message ?? e}`));
        },
      );
    } else {
      outbox.append({ ...base, ...(input.media ? { media: input.media } : {}) });
    }
    this.host.changed(conversationId);
    return { messageId, conversationId, confirmed };
  }

  /** Settles on the message's sent event, or on a failure the SDK will not retry. */
  private confirmation(messageId: string): Promise<{ seq: number }> {
    const { events } = this.host;
    const p = new Promise<{ seq: number }>((resolve, reject) => {
      const offSent = events.on('messageSent', (e) => {
        if (e.messageId !== messageId) return;
        offSent();
        offFailed();
        resolve({ seq: e.seq });
      });
      const offFailed = events.on('messageFailed', (e) => {
        if (e.messageId !== messageId || e.retryable) return;
        offSent();
        offFailed();
        reject(e.error);
      });
    });
    // Nobody has to await it.
    p.catch(() => undefined);
    return p;
  }
}
