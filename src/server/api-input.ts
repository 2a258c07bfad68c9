/**
 * What the JSON API accepts when something is posted, checked with zod so a bad request
 * gets a 400 that says which field is wrong, and never reaches the record.
 */
import { z } from 'zod';
import { componentNames } from '../publish/public-words.ts';
import { componentStates } from '../publish/status-page.ts';

const statuses = ['investigating', 'identified', 'monitoring', 'resolved'] as const;
const when = z
  .string()
  .refine((s) => Number.isFinite(Date.parse(s)), 'must be an RFC 3339 time, e.g. 2024-03-06T14:00:00Z')
  .optional();
const author = z.string().trim().min(1).max(100).optional();

export const noteInput = z.object({ text: z.string().trim().min(1).max(10_000), author, at: when });
export const actionInput = noteInput.extend({ incident: z.string().optional() });
export const statusInput = z.object({
  status: z.enum(statuses),
  message: z.string().trim().min(1).max(5_000).optional(),
  author,
  at: when,
});
export const updateInput = z.object({
  message: z.string().trim().min(1).max(5_000),
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
