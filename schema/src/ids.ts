import { z } from 'zod';
import { LIMITS } from './limits.ts';

/**
 * Ids, the server's (UUIDv7) and the ones clients make alike: 1–64 of these
 * characters, so an id is safe in a document name, a URL and a storage key.
 */
const ID_CHARS = '[A-Za-z0-9_-]';

const idPattern = (min: number) => new RegExp(`^${ID_CHARS}{${min},${LIMITS.idMaxLength}}$`);
const ID = idPattern(1);

export function isId(value: string): boolean {
  return ID.test(value);
}

const idOf = (min: number) => z.string().regex(idPattern(min), `an id of ${min}–${LIMITS.idMaxLength} letters, digits, - or _`);

/** User, conversation and message ids in requests. */
export const idField = idOf(1);
/** Ids a client generates (UUIDv7 recommended): also the idempotency key, so not too short to collide. */
export const clientId = idOf(LIMITS.clientIdMinLength);
