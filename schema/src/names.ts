import { z } from 'zod';

/**
 * Names people read (display names, group and conversation titles): one rule
 * for registration, profile updates, group creation and renames, on REST and in
 * the outbox (docs/api.md, "Names"). A name is NFC-normalised, stripped of
 * characters that are invisible or reorder what follows, trimmed, and refused
 * when nothing visible is left.
 */

/** Removed wherever they stand. */
const STRIPPED = new RegExp(
  [
    // C0 and C1 controls, DEL: NUL, newline, ESC, ...
    '[\\u0000-\\u001F\\u007F-\\u009F]',
    // Bidi embeddings and overrides (U+202A–U+202E), isolates (U+2066–U+2069), marks (LRM, RLM, ALM).
    '[\\u202A-\\u202E\\u2066-\\u2069\\u200E\\u200F\\u061C]',
    // Zero-width space, word joiner, invisible operators, BOM, Mongolian vowel separator, soft hyphen, grapheme joiner.
    '[\\u200B\\u2060-\\u2064\\uFEFF\\u180E\\u00AD]',
    '\\u034F',
    // Tag characters and other format/noncharacter ranges used to hide text.
    '[\\u{E0000}-\\u{E007F}\\u{FFF9}-\\u{FFFB}]',
    // Interlinear annotations and the Hangul/braille fillers are handled as blanks below.
  ].join('|'),
  'gu',
);

/** Zero-width joiner / non-joiner: kept only where scripts need them (emoji sequences, joining letters). */
const JOINERS = /\u200D(?!(?<=\p{Extended_Pictographic}\uFE0F?\u200D)\p{Extended_Pictographic})|\u200C(?!(?<=\p{L}\p{M}*\u200C)\p{L})/gu;

/** Characters that render as nothing or as blank space: a name made of these alone is refused. */
const BLANK = /^(?:[\s\p{Zs}\u115F\u1160\u3164\uFFA0\u2800\u{1D173}-\u{1D17A}]|\u17B4|\u17B5|\u{1D159}|\u200C|\u200D|\p{Variation_Selector})*$/u;

export const REFUSED_NAME_CLASSES = [
  'control characters (U+0000–U+001F, U+007F–U+009F): stripped',
  'bidi embeddings, overrides, isolates and marks (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C): stripped',
  'zero-width and invisible format characters (U+200B, U+2060–U+2064, U+FEFF, U+180E, U+00AD, U+034F, tags U+E0000–U+E007F, U+FFF9–U+FFFB): stripped',
  'U+200D (zero-width joiner) outside an emoji sequence and U+200C (non-joiner) outside a word: stripped',
  'names left with blanks only (spaces, U+115F, U+1160, U+3164, U+FFA0, U+2800, U+17B4, U+17B5, variation selectors): refused',
] as const;

/** The name as stored: NFC, stripped, trimmed. Blank names come back as ''. */
export function cleanName(raw: string): string {
  const cleaned = raw.normalize('NFC').replace(STRIPPED, '').replace(JOINERS, '').trim();
  return BLANK.test(cleaned) ? '' : cleaned;
}

/** A name field of at most `max` UTF-16 units after cleaning; blank or invisible-only → VALIDATION_FAILED. */
export function nameField(max: number) {
  return z
    .string()
    .max(max * 4)
    .transform(cleanName)
    .pipe(z.string().min(1, 'a name needs a visible character').max(max));
}
