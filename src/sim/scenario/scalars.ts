/**
 * Scalars the control-plane schema pieces share (names, one-line texts, counts, durations,
 * probabilities), worded as schema.ts words its own so every scenario error reads alike.
 */
import { z } from 'zod';
import { parseLabelSelector } from '../api/label-selector.ts';
import { isInstant, parseDuration } from './time-spec.ts';

/** A DNS-1123 label: a namespace, workload or webhook-service name. */
export const name = z
  .string({ error: 'expected a lowercase name (a-z, 0-9, -)' })
  .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, { error: 'expected a lowercase name (a-z, 0-9, -)' });

/** One line of prose or a log line. */
export const oneLine = z
  .string({ error: 'expected one line of text' })
  .regex(/^[^\n\r]{1,300}$/, { error: 'expected one line of text (no line breaks, at most 300 characters)' });

export const positiveInt = z
  .number({ error: 'expected a positive integer' })
  .int({ error: 'expected a positive integer' })
  .positive({ error: 'expected a positive integer' });

export const probability = z
  .number({ error: 'expected a probability from 0 to 1' })
  .min(0, { error: 'expected a probability from 0 to 1' })
  .max(1, { error: 'expected a probability from 0 to 1' });

/** `500ms`, `15s`, `2h`: a positive length of time. */
export const duration = z
  .string({ error: 'expected a duration such as 500ms, 15m or 2h' })
  .refine((t) => (parseDuration(t) ?? 0) > 0, { error: 'expected a duration such as 500ms, 15m or 2h' });

/** `<namespace>/<name>`. */
export const objectRef = z
  .string({ error: 'expected <namespace>/<name>' })
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?\/[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, {
    error: 'expected <namespace>/<name>',
  });

/** A point on the timeline: an ISO time, or an offset from `start` such as `+2h`. */
export const instant = z
  .string({ error: 'expected an ISO time with a zone or an offset such as +2h' })
  .refine(isInstant, {
    error: 'expected an ISO time with a zone (2018-07-19T15:00:00Z) or an offset such as +2h',
  });

/** A Kubernetes label selector string, checked by the simulator's own apimachinery port. */
export const labelSelector = z
  .string({ error: 'expected a label selector such as "pool in (a, b)"' })
  .superRefine((t, ctx) => {
    try {
      parseLabelSelector(t);
    } catch (e) {
      ctx.addIssue({
        code: 'custom',
        message: `not a valid label selector: ${e instanceof Error ? e.message : String(e)}`,
      });
    }
  });
