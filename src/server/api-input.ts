/**
 * What the JSON API accepts when something is posted, checked with zod so a bad request
 * gets a 400 that says which field is wrong, and never reaches the record.
 */
import { z } from 'zod';
import { componentNames } from '../publish/public-words.ts';
import { componentStates } from '../publish/status-page.ts';
import { authorName, freeText } from './text-input.ts';
import { rfc3339Ms } from './time-input.ts';

const statuses = ['investigating', 'identified', 'monitoring', 'resolved'] as const;
/** The format here; how far from now it may be is checked against the server's clock (app.ts). */
const when = z
  .string()
  .refine((s) => rfc3339Ms(s) !== undefined, 'must be an RFC 3339 time, e.g. 2024-03-06T14:00:00Z')
  .optional();
const author = authorName.optional();

export const noteInput = z.object({ text: freeText(10_000), author, at: when });
export const actionInput = noteInput.extend({ incident: z.string().optional() });
export const statusInput = z.object({
  status: z.enum(statuses),
  message: freeText(5_000).optional(),
  author,
  at: when,
});
export const updateInput = z.object({
  message: freeText(5_000),
  status: z.enum(statuses).optional(),
  /** Component states to show on the status page for this incident, e.g. `{"DNS": "major_outage"}`. */
  components: z.partialRecord(z.enum(componentNames), z.enum(componentStates)).optional(),
  author,
  at: when,
});
export const statusQuery = z.enum([...statuses, 'open']).optional();
/** Approving a runbook: the digest of the plan the approver saw (respond/offer.ts). */
export const applyInput = z.object({
  digest: z.string().regex(/^[0-9a-f]{16}$/, 'must be the plan digest GET …/runbooks gave'),
  author,
});

/**
 * Who a change is by, as the client says: the body's `author`, else the X-Kubetriage-User
 * header (held to the same rules), else `operator`. An error names the header it came from.
 */
export function claimedAuthor(
  bodyAuthor: string | undefined,
  header: string | undefined,
): { author: string } | { error: string } {
  if (bodyAuthor !== undefined) return { author: bodyAuthor };
  if (header === undefined) return { author: 'operator' };
  const r = authorName.safeParse(header);
  return r.success ? { author: r.data } : { error: `X-Kubetriage-User: ${r.error.issues[0].message}` };
}
