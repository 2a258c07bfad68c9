/**
 * Maintenances and subscribers to rows and back, for both backends: columns to list them
 * by, and the whole record as a JSON body, checked on the way in as codec.ts checks
 * incidents, so a row edited by hand is a StoreError that names it.
 */
import { type Maintenance, maintenanceStatuses } from '../maintenance.ts';
import { type Subscriber, subscriberKinds } from '../subscriber.ts';
import { corruptHint, parseBody } from './codec.ts';
import { StoreError } from './store.ts';

export function maintenanceColumns(m: Maintenance) {
  return {
    id: m.id,
    status: m.status,
    scheduledForMs: m.scheduledForMs,
    scheduledUntilMs: m.scheduledUntilMs,
    body: JSON.stringify(m),
  };
}

export function maintenanceBody(raw: unknown, what: string): Maintenance {
  const b = parseBody(raw, what);
  const bad =
    typeof b.id !== 'string'
      ? 'id'
      : !(maintenanceStatuses as readonly unknown[]).includes(b.status)
        ? 'status'
        : typeof b.scheduledForMs !== 'number' || typeof b.scheduledUntilMs !== 'number'
          ? 'window'
          : !Array.isArray(b.components)
            ? 'components'
            : !Array.isArray(b.updates)
              ? 'updates'
              : undefined;
  if (bad) throw new StoreError(`${what} has no valid ${bad}`, { hint: corruptHint });
  return b as unknown as Maintenance;
}

export function subscriberColumns(s: Subscriber) {
  return {
    id: s.id,
    kind: s.kind,
    endpoint: s.endpoint,
    createdAtMs: s.createdAtMs,
    body: JSON.stringify(s),
  };
}

export function subscriberBody(raw: unknown, what: string): Subscriber {
  const b = parseBody(raw, what);
  if (
    typeof b.id !== 'string' ||
    !(subscriberKinds as readonly unknown[]).includes(b.kind) ||
    typeof b.endpoint !== 'string'
  )
    throw new StoreError(`${what} is not a subscriber`, { hint: corruptHint });
  return b as unknown as Subscriber;
}
