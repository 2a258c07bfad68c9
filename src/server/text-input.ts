/**
 * What people may put in the record through the API: who they are, and free text. Control
 * characters and the bidirectional embeddings, overrides and isolates (U+202A–U+202E,
 * U+2066–U+2069, the "Trojan Source" characters) make a stored string display as another:
 * an author "\u202Eecila" reads as "alice" reversed, a note can hide a line behind a
 * carriage return. A name carrying one is refused; free text keeps its tabs and newlines
 * and loses the rest, so a pasted log line still goes in.
 */
import { z } from 'zod';

/** C0 and C1 controls (Cc: DEL included) and the bidi embeddings, overrides and isolates. */
const spoofing = /[\p{Cc}\u202a-\u202e\u2066-\u2069]/u;
const spoofingExceptLayout = /(?![\t\n])[\p{Cc}\u202a-\u202e\u2066-\u2069]/gu;

/** Free text as stored: tabs and newlines kept, every other control or bidi character dropped. */
export function withoutControls(text: string): string {
  return text.replace(/\r\n/g, '\n').replace(spoofingExceptLayout, '');
}

/** A person's name as an author: 1 to 100 characters that display as they are. */
export const authorName = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .refine((s) => !spoofing.test(s), 'must not contain control or bidirectional-override characters');

/** Free text of at most `max` characters, after trimming and dropping what could disguise it. */
export const freeText = (max: number) =>
  z.string().transform(withoutControls).pipe(z.string().trim().min(1).max(max));
