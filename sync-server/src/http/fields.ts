import { z } from 'zod';
import { LIMITS } from '@parley/schema';

/** Request fields shared by several route files; each file keeps its own body schemas. */

export { idField as id } from '@parley/schema';

export const displayName = z.string().trim().min(1).max(LIMITS.displayNameMaxLength);

export const title = z.string().trim().min(1).max(LIMITS.titleMaxLength);

/**
 * Avatar links: http(s) or a path on this origin (what media-server returns).
 * Other schemes (javascript:, data:) are refused so a client never renders one.
 */
export const avatarUrl = z
  .string()
  .max(LIMITS.mediaUrlMaxLength)
  .refine((u) => /^https?:\/\/[^\s]+$/i.test(u) || /^\/(?!\/)[^\s]*$/.test(u), 'an http(s) URL or a path starting with /')
  .nullable();

/** An optional non-negative integer from a query string; absent → undefined, anything else → VALIDATION_FAILED. */
export const queryInt = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d{1,15}$/, 'a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max))
    .optional();
