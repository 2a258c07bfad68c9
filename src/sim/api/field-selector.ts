/**
 * `?fieldSelector=` parsing (apimachinery v0.32 pkg/fields/selector.go), the selectable
 * fields of each kind (the *ToSelectableFields functions of kube-apiserver's registries) and
 * the per-kind check that rejects fields a kind cannot be selected on (the field label
 * conversion funcs in pkg/apis/core/v1/conversion.go).
 */
import { isObject, type KubeObject } from './k8s-types.ts';
import { goQuote } from './label-selector.ts';
import type { ResourceType } from './resources.ts';
import { badRequest } from './status.ts';

export interface FieldRequirement {
  field: string;
  /** `==` is parsed as `=`. */
  op: '=' | '!=';
  /** Unescaped: `a=x\,y` selects the value `x,y`. */
  value: string;
}

export interface FieldSelector {
  /** True when nothing is selected on (empty string, only commas, or a bare `=`). */
  empty: boolean;
  /** Sorted by their source text, as parseSelector sorts the terms. */
  requirements: FieldRequirement[];
  matches(fields: Record<string, string>): boolean;
}

/** Splits on commas that are not backslash-escaped; escapes stay in the terms. */
function splitTerms(selector: string): string[] {
  if (selector.length === 0) return [];
  const terms: string[] = [];
  let start = 0;
  let inSlash = false;
  for (let i = 0; i < selector.length; i++) {
    const c = selector[i];
    if (inSlash) inSlash = false;
    else if (c === '\\') inSlash = true;
    else if (c === ',') {
      terms.push(selector.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(selector.slice(start));
  return terms;
}

/** The first operator wins and the field is never unescaped, exactly as splitTerm does. */
function splitTerm(term: string): { lhs: string; op: '!=' | '==' | '='; rhs: string } | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const op of ['!=', '==', '='] as const) {
      if (term.startsWith(op, i)) return { lhs: term.slice(0, i), op, rhs: term.slice(i + op.length) };
    }
  }
  return undefined;
}

function unescapeValue(s: string): string {
  if (!/[\\,=]/.test(s)) return s;
  let out = '';
  let inSlash = false;
  for (const c of s) {
    if (inSlash) {
      if (c !== '\\' && c !== ',' && c !== '=') {
        throw badRequest(`invalid field selector: invalid escape sequence: \\${c}`);
      }
      out += c;
      inSlash = false;
    } else if (c === '\\') {
      inSlash = true;
    } else if (c === ',' || c === '=') {
      // Go prints the rune with %v, i.e. as its number.
      throw badRequest(`invalid field selector: unescaped character in value: ${c.codePointAt(0)}`);
    } else {
      out += c;
    }
  }
  if (inSlash) throw badRequest('invalid field selector: invalid escape sequence: \\');
  return out;
}

/** A field's value; absent fields read as "" (fields.Set.Get). */
function fieldValue(fields: Record<string, string>, field: string): string {
  const v = fields[field];
  return typeof v === 'string' ? v : '';
}

const everything: FieldSelector = { empty: true, requirements: [], matches: () => true };

/** Parses a `fieldSelector` query value; throws a 400 ApiError worded as kube-apiserver words it. */
export function parseFieldSelector(text: string): FieldSelector {
  const parts = splitTerms(text).sort();
  const requirements: FieldRequirement[] = [];
  for (const part of parts) {
    if (part === '') continue;
    const t = splitTerm(part);
    if (!t) throw badRequest(`invalid selector: '${text}'; can't understand '${part}'`);
    const value = unescapeValue(t.rhs);
    // A bare `=` transforms to Everything() and is dropped.
    if (t.lhs === '' && value === '') continue;
    requirements.push({ field: t.lhs, op: t.op === '!=' ? '!=' : '=', value });
  }
  if (requirements.length === 0) return everything;
  return {
    empty: false,
    requirements,
    matches(fields) {
      for (const r of requirements) {
        const v = fieldValue(fields, r.field);
        if (r.op === '=' ? v !== r.value : v === r.value) return false;
      }
      return true;
    },
  };
}

// ---- selectable fields per kind ----

type Extractor = (obj: KubeObject) => Record<string, string>;

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function child(o: Record<string, unknown> | undefined, key: string): Record<string, unknown> | undefined {
  const v = o?.[key];
  return isObject(v) ? v : undefined;
}

function metaFields(obj: KubeObject): Record<string, string> {
  return { 'metadata.name': obj.metadata.name ?? '', 'metadata.namespace': obj.metadata.namespace ?? '' };
}

/**
 * The internal Pod's PodIPs[0]: on conversion from v1 a set `status.podIP` is authoritative,
 * otherwise `status.podIPs[0].ip`.
 */
function podIP(status: Record<string, unknown> | undefined): string {
  const ip = str(status?.['podIP']);
  if (ip) return ip;
  const ips = status?.['podIPs'];
  return Array.isArray(ips) && isObject(ips[0]) ? str(ips[0]['ip']) : '';
}

const podFields: Extractor = (obj) => {
  const spec = child(obj, 'spec');
  const status = child(obj, 'status');
  const nodeName = str(spec?.['nodeName']);
  return {
    'metadata.name': obj.metadata.name ?? '',
    'metadata.namespace': obj.metadata.namespace ?? '',
    'spec.nodeName': nodeName,
    // Old clients send spec.host; the server rewrites it to spec.nodeName.
    'spec.host': nodeName,
    'spec.restartPolicy': str(spec?.['restartPolicy']),
    'spec.schedulerName': str(spec?.['schedulerName']),
    'spec.serviceAccountName': str(spec?.['serviceAccountName']),
    'spec.hostNetwork': spec?.['hostNetwork'] === true ? 'true' : 'false',
    'status.phase': str(status?.['phase']),
    'status.podIP': podIP(status),
    'status.nominatedNodeName': str(status?.['nominatedNodeName']),
  };
};

const nodeFields: Extractor = (obj) => ({
  'metadata.name': obj.metadata.name ?? '',
  'metadata.namespace': obj.metadata.namespace ?? '',
  'spec.unschedulable': child(obj, 'spec')?.['unschedulable'] === true ? 'true' : 'false',
});

/** Events of both groups are stored in core/v1 shape, so one extractor serves both. */
const eventFields: Extractor = (obj) => {
  const ref = child(obj, 'involvedObject');
  const reporting = str(obj['reportingComponent']);
  return {
    'metadata.name': obj.metadata.name ?? '',
    'metadata.namespace': obj.metadata.namespace ?? '',
    'involvedObject.kind': str(ref?.['kind']),
    'involvedObject.namespace': str(ref?.['namespace']),
    'involvedObject.name': str(ref?.['name']),
    'involvedObject.uid': str(ref?.['uid']),
    'involvedObject.apiVersion': str(ref?.['apiVersion']),
    'involvedObject.resourceVersion': str(ref?.['resourceVersion']),
    'involvedObject.fieldPath': str(ref?.['fieldPath']),
    reason: str(obj['reason']),
    reportingComponent: reporting,
    // events.k8s.io writers leave source empty; the registry falls back to the controller.
    source: str(child(obj, 'source')?.['component']) || reporting,
    type: str(obj['type']),
  };
};

const namespaceFields: Extractor = (obj) => ({
  'metadata.name': obj.metadata.name ?? '',
  'metadata.namespace': obj.metadata.namespace ?? '',
  'status.phase': str(child(obj, 'status')?.['phase']),
});

const serviceFields: Extractor = (obj) => {
  const spec = child(obj, 'spec');
  return {
    'metadata.name': obj.metadata.name ?? '',
    'metadata.namespace': obj.metadata.namespace ?? '',
    'spec.clusterIP': str(spec?.['clusterIP']),
    'spec.type': str(spec?.['type']),
  };
};

const secretFields: Extractor = (obj) => ({
  'metadata.name': obj.metadata.name ?? '',
  'metadata.namespace': obj.metadata.namespace ?? '',
  type: str(obj['type']),
});

const replicationControllerFields: Extractor = (obj) => {
  const replicas = child(obj, 'status')?.['replicas'];
  return {
    'metadata.name': obj.metadata.name ?? '',
    'metadata.namespace': obj.metadata.namespace ?? '',
    // An int32 in Go, so a missing count reads as "0".
    'status.replicas': typeof replicas === 'number' ? String(replicas) : '0',
  };
};

interface KindFields {
  extract: Extractor;
  /** The labels the kind's field label conversion func accepts. */
  supported: ReadonlySet<string>;
}

const eventKind: KindFields = {
  extract: eventFields,
  supported: new Set([
    'involvedObject.kind',
    'involvedObject.namespace',
    'involvedObject.name',
    'involvedObject.uid',
    'involvedObject.apiVersion',
    'involvedObject.resourceVersion',
    'involvedObject.fieldPath',
    'reason',
    'reportingComponent',
    'source',
    'type',
    'metadata.namespace',
    'metadata.name',
  ]),
};

/** Keyed `group/kind`: only these kinds register a field label conversion func. */
const kinds = new Map<string, KindFields>([
  [
    '/Pod',
    {
      extract: podFields,
      supported: new Set([
        'metadata.name',
        'metadata.namespace',
        'spec.nodeName',
        'spec.restartPolicy',
        'spec.schedulerName',
        'spec.serviceAccountName',
        'spec.hostNetwork',
        'status.phase',
        'status.podIP',
        // Accepted but never set in the field set, so it compares against "".
        'status.podIPs',
        'status.nominatedNodeName',
        'spec.host',
      ]),
    },
  ],
  // Cluster-scoped kinds reject metadata.namespace, though their objects carry it as "".
  ['/Node', { extract: nodeFields, supported: new Set(['metadata.name', 'spec.unschedulable']) }],
  ['/Namespace', { extract: namespaceFields, supported: new Set(['status.phase', 'metadata.name']) }],
  [
    '/Service',
    {
      extract: serviceFields,
      supported: new Set(['metadata.namespace', 'metadata.name', 'spec.clusterIP', 'spec.type']),
    },
  ],
  ['/Secret', { extract: secretFields, supported: new Set(['type', 'metadata.namespace', 'metadata.name']) }],
  [
    '/ReplicationController',
    {
      extract: replicationControllerFields,
      supported: new Set(['metadata.name', 'metadata.namespace', 'status.replicas']),
    },
  ],
  ['/Event', eventKind],
  // events.k8s.io/v1 registers the core/v1 field names (it shares their storage).
  ['events.k8s.io/Event', eventKind],
]);

/** Resolved once per ResourceType so the hot path is one WeakMap lookup. */
const byResource = new WeakMap<ResourceType, KindFields | null>();

function kindFields(r: ResourceType): KindFields | null {
  let k = byResource.get(r);
  if (k === undefined) {
    k = kinds.get(`${r.group}/${r.kind}`) ?? null;
    byResource.set(r, k);
  }
  return k;
}

/**
 * The selectable fields of a stored object: what field selectors are matched against.
 * Reads the object in place (it runs on every write), and missing values are "".
 */
export function objectFields(r: ResourceType, obj: KubeObject): Record<string, string> {
  const k = kindFields(r);
  return k ? k.extract(obj) : metaFields(obj);
}

/**
 * Rejects a selector on a field the kind cannot be selected on, with the 400 the real server
 * sends. Kinds without a conversion func fall back to runtime.DefaultMetaV1FieldSelectorConversion,
 * whose message differs. Requirements are checked in sorted order, so the first bad field
 * reported is the one kube-apiserver reports.
 */
export function checkFieldsSupported(r: ResourceType, sel: FieldSelector): void {
  const k = kindFields(r);
  for (const { field } of sel.requirements) {
    if (k) {
      if (!k.supported.has(field)) throw badRequest(`field label not supported: ${field}`);
    } else if (field !== 'metadata.name' && field !== 'metadata.namespace') {
      throw badRequest(
        `${goQuote(field)} is not a known field selector: only "metadata.name", "metadata.namespace"`,
      );
    }
  }
}
