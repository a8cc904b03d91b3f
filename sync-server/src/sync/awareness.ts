import type { Document, Connection } from '@hocuspocus/server';

export interface AwarenessLimits {
  awarenessStateMaxBytes: number;
  awarenessDocumentMaxBytes: number;
}

/**
 * Rule A4 and B4 on one inbound awareness update, in place on Hocuspocus's
 * decoded map (what is left is re-encoded and applied):
 * - a connection owns one awareness client id, the first it sends; states under
 *   another id, or under an id another connection holds, are dropped;
 * - a state is rebuilt from the fields the protocol defines (`typing`), and its
 *   `user` is the connection's user, whatever the client sent; a state that is
 *   not a plain object is dropped;
 * - a state past the per-state size, or that would take the document's states
 *   past their total, is dropped.
 * Answers the reasons of what it dropped, for the refusal metric.
 */
export function boundAwareness(
  states: Map<number, unknown>,
  at: { document: Document; connection: Connection; userId: string },
  limits: AwarenessLimits,
): string[] {
  const dropped: string[] = [];
  const { document, connection, userId } = at;
  const owned = document.getClients(connection);
  const held = document.awareness.getStates();
  let claimed: number | null = owned.size > 0 ? [...owned][0]! : null;
  for (const [clientId, state] of states) {
    // Hocuspocus's scratch decoder puts its own default `{}` first, and a fresh provider sends one too: neither says anything.
    if (claimed !== clientId && !held.has(clientId) && isEmptyObject(state)) {
      states.delete(clientId);
      continue;
    }
    if (claimed === null && !held.has(clientId)) claimed = clientId;
    if (clientId !== claimed) {
      states.delete(clientId);
      dropped.push('awareness_client_id');
      continue;
    }
    if (!isPlainObject(state)) {
      states.delete(clientId);
      dropped.push('awareness_shape');
      continue;
    }
    const clean: { typing?: boolean; user: { id: string } } = { user: { id: userId } };
    if (typeof state.typing === 'boolean') clean.typing = state.typing;
    const bytes = jsonBytes(clean);
    if (bytes > limits.awarenessStateMaxBytes || othersBytes(held, clientId) + bytes > limits.awarenessDocumentMaxBytes) {
      states.delete(clientId);
      dropped.push('awareness_size');
      continue;
    }
    states.set(clientId, clean);
  }
  return dropped;
}

/** Every awareness state of a document, as JSON bytes (the per-document bound and the metric). */
export function awarenessBytes(document: Document): number {
  return othersBytes(document.awareness.getStates(), null);
}

function othersBytes(states: Map<number, unknown>, except: number | null): number {
  let total = 0;
  for (const [clientId, state] of states) if (clientId !== except) total += jsonBytes(state);
  return total;
}

const jsonBytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value) ?? '');

const isEmptyObject = (value: unknown) => isPlainObject(value) && Object.keys(value).length === 0;

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype;
