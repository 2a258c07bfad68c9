/**
 * Reads and validates list/watch query parameters (metav1.ListOptions) the way
 * kube-apiserver does, including the 422 rules for resourceVersionMatch
 * (apimachinery pkg/apis/meta/internalversion/validation).
 */
import { checkFieldsSupported, type FieldSelector, parseFieldSelector } from './field-selector.ts';
import { type LabelSelector, parseLabelSelector } from './label-selector.ts';
import type { ResourceType } from './resources.ts';
import { badRequest, invalid } from './status.ts';

export interface ListQuery {
  watch: boolean;
  resourceVersion?: string;
  resourceVersionMatch?: string;
  limit?: number;
  continueToken?: string;
  labels: LabelSelector;
  fields: FieldSelector;
  allowWatchBookmarks: boolean;
  timeoutSeconds?: number;
  sendInitialEvents?: boolean;
}

function truthy(v: string | null): boolean {
  return v === 'true' || v === '1';
}

function intParam(q: URLSearchParams, name: string): number | undefined {
  const raw = q.get(name);
  if (raw === null || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n))
    throw badRequest(`invalid value for ${name}: ${raw}: strconv.ParseInt: parsing "${raw}": invalid syntax`);
  return n;
}

function listOptionsInvalid(field: string, message: string) {
  return invalid('ListOptions', 'meta.k8s.io', '', [
    { reason: 'FieldValueForbidden', field, message: `Forbidden: ${message}` },
  ]);
}

export function parseListQuery(r: ResourceType, q: URLSearchParams, watchPrefix: boolean): ListQuery {
  const watch = watchPrefix || truthy(q.get('watch'));
  const resourceVersion = q.get('resourceVersion') ?? undefined;
  const resourceVersionMatch = q.get('resourceVersionMatch') || undefined;
  const continueToken = q.get('continue') || undefined;
  const sendInitialEventsRaw = q.get('sendInitialEvents');
  const sendInitialEvents = sendInitialEventsRaw === null ? undefined : truthy(sendInitialEventsRaw);

  if (resourceVersionMatch) {
    if (!['NotOlderThan', 'Exact'].includes(resourceVersionMatch)) {
      throw invalid('ListOptions', 'meta.k8s.io', '', [
        {
          reason: 'FieldValueNotSupported',
          field: 'resourceVersionMatch',
          message: `Unsupported value: "${resourceVersionMatch}": supported values: "Exact", "NotOlderThan"`,
        },
      ]);
    }
    if (watch && sendInitialEvents === undefined) {
      throw listOptionsInvalid(
        'resourceVersionMatch',
        'resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided',
      );
    }
    if (!resourceVersion && !watch) {
      throw listOptionsInvalid(
        'resourceVersionMatch',
        'resourceVersionMatch is forbidden unless resourceVersion is provided',
      );
    }
    if (continueToken) {
      throw listOptionsInvalid(
        'resourceVersionMatch',
        'resourceVersionMatch is forbidden when continue is provided',
      );
    }
    if (resourceVersionMatch === 'Exact' && resourceVersion === '0') {
      throw listOptionsInvalid(
        'resourceVersionMatch',
        'resourceVersionMatch "exact" is forbidden for resourceVersion "0"',
      );
    }
  }
  if (sendInitialEvents !== undefined) {
    if (!watch) throw listOptionsInvalid('sendInitialEvents', 'sendInitialEvents is forbidden for list');
    if (resourceVersionMatch !== 'NotOlderThan') {
      throw listOptionsInvalid(
        'resourceVersionMatch',
        'sendInitialEvents requires setting resourceVersionMatch to NotOlderThan',
      );
    }
  }

  // The apiserver parses the label selector first, so its error wins when both are bad.
  const labels = parseLabelSelector(q.get('labelSelector') ?? '');
  const fields = parseFieldSelector(q.get('fieldSelector') ?? '');
  checkFieldsSupported(r, fields);
  return {
    watch,
    resourceVersion,
    resourceVersionMatch,
    limit: intParam(q, 'limit'),
    continueToken,
    labels,
    fields,
    allowWatchBookmarks: truthy(q.get('allowWatchBookmarks')),
    timeoutSeconds: intParam(q, 'timeoutSeconds'),
    sendInitialEvents,
  };
}
