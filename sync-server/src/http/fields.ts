import { z } from 'zod';
import { LIMITS, linkUrl, nameField } from '@parley/schema';

/** Request fields shared by several route files; each file keeps its own body schemas. */

export { idField as id } from '@parley/schema';

/** Names are cleaned and checked by schema's one rule (docs/api.md, "Names"), as the outbox's rename is. */
export const displayName = nameField(LIMITS.displayNameMaxLength);

export const title = nameField(LIMITS.titleMaxLength);

/** Avatar links: schema's one rule for links, shared with the outbox's setAvatar and media descriptors. */
export const avatarUrl = linkUrl.nullable();

/** An optional non-negative integer from a query string; absent → undefined, anything else → VALIDATION_FAILED. */
export const queryInt = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d{1,15}$/, 'a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max))
    .optional();
