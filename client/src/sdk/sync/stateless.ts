/**
 * The stateless messages of the user document's connection (docs/protocol.md,
 * R1–R2), parsed once. Their names sit here and nowhere else in the SDK.
 */
export const STATELESS = { ping: 'ping', pong: 'pong', presence: 'presence', presenceSnapshot: 'presenceSnapshot' } as const;

export type StatelessMessage =
  | { type: typeof STATELESS.pong; t: number }
  | { type: typeof STATELESS.presence; userId: string; online: boolean }
  | { type: typeof STATELESS.presenceSnapshot; online: string[] };

/** A message the SDK understands, or null for anything else (unknown types are for newer clients). */
export function parseStateless(payload: string): StatelessMessage | null {
  let msg: { type?: unknown; t?: unknown; userId?: unknown; online?: unknown };
  try {
    msg = JSON.parse(payload);
  } catch {
    return null;
  }
  if (typeof msg !== 'object' || msg === null) return null;
  if (msg.type === STATELESS.pong && typeof msg.t === 'number') return { type: STATELESS.pong, t: msg.t };
  if (msg.type === STATELESS.presence && typeof msg.userId === 'string') return { type: STATELESS.presence, userId: msg.userId, online: msg.online === true };
  if (msg.type === STATELESS.presenceSnapshot && Array.isArray(msg.online)) {
    return { type: STATELESS.presenceSnapshot, online: msg.online.filter((x): x is string => typeof x === 'string') };
  }
  return null;
}

export function pingMessage(t: number): string {
  return JSON.stringify({ type: STATELESS.ping, t });
}
