/**
 * What people may put in the record through the API: who they are, and free text. Control
 * characters and the bidirectional embeddings, overrides and isolates (U+202A–U+202E,
 * U+2066–U+2069, the "Trojan Source" characters) make a stored string display as another:
 * an author "\u202Eecila" reads as "alice" reversed, a note can hide a line behind a
 * carriage return. A name carrying one is refused; free text keeps its tabs and newlines
 * and loses the rest, so a pasted log line still goes in.
 */
import { z } from 'zod';
import { controlChar } from '../publish/control-chars.ts';

/** In a name, layout is spoofing too: any control or bidi character (controlChar leaves tab and newline). */
const spoofing = new RegExp(`${controlChar.source}|[\\t\\n]`);

/** Free text as stored: tabs and newlines kept, every other control or bidi character dropped. */
export function withoutControls(text: string): string {
  return text.replace(/\r\n/g, '\n').replace(controlChar, '');
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
