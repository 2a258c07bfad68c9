/**
 * The OpenAPI documents kubectl reads, generated from the resource registry and the kinds'
 * field tables (proto/messages.ts), so they describe exactly what is served:
 *
 * - `/openapi/v3`: the index of group/version documents, each at
 *   `/openapi/v3/<api/v1|apis/g/v>?hash=…` (kube-openapi `handler3`). kubectl 1.32 checks a
 *   kind's PATCH operation here for the `fieldValidation` query parameter and then leaves
 *   validation to the server (cli-runtime `resource/query_param_verifier_v3.go`); `kubectl
 *   explain` renders the component schemas.
 * - `/openapi/v2`: the Swagger 2.0 document, as JSON. kubectl asks for it in gnostic
 *   protobuf only; that is not served (406), and kubectl then computes apply patches from
 *   its built-in types, which is what it does for built-in kinds anyway.
 *
 * PATCH operations list merge-patch, JSON-patch and apply-patch but not strategic merge:
 * the schemas carry no patch strategies, and kubectl's built-in structs know them exactly
 * (kubectl `cmd/apply/patcher.go` gvkSupportsPatchOpenAPIV3).
 */
import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { sendJson, sendText } from './http-io.ts';
import { type FieldDef, jsonFields } from './proto/fields.ts';
import { protoRoots } from './proto/messages.ts';
import { groupVersion, groupVersions, type ResourceType, resourceTypes } from './resources.ts';

type Schema = Record<string, unknown>;

/** Component names as kube-openapi writes them. */
export function componentName(message: string): string {
  if (message.startsWith('meta.v1.')) return `io.k8s.apimachinery.pkg.apis.meta.v1.${message.slice(8)}`;
  return `io.k8s.api.${message}`;
}

const specialSchemas: Record<string, [string, Schema]> = {
  time: [
    'io.k8s.apimachinery.pkg.apis.meta.v1.Time',
    {
      description:
        'Time is a wrapper around time.Time which supports correct marshaling to YAML and JSON.  Wrappers are provided for many of the factory methods that the time package offers.',
      type: 'string',
      format: 'date-time',
    },
  ],
  microTime: [
    'io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime',
    {
      description: 'MicroTime is version of Time with microsecond level precision.',
      type: 'string',
      format: 'date-time',
    },
  ],
  duration: ['io.k8s.apimachinery.pkg.apis.meta.v1.Duration', { type: 'string' }],
  raw: [
    'io.k8s.apimachinery.pkg.runtime.RawExtension',
    { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
  ],
  intOrString: [
    'io.k8s.apimachinery.pkg.util.intstr.IntOrString',
    {
      description:
        'IntOrString is a type that can hold an int32 or a string.  When used in JSON or YAML marshalling and unmarshalling, it produces or consumes the inner type.  This allows you to have, for example, a JSON field that can accept a name or number.',
      type: 'string',
      format: 'int-or-string',
    },
  ],
  quantity: [
    'io.k8s.apimachinery.pkg.api.resource.Quantity',
    {
      description:
        'Quantity is a fixed-point representation of a number. It provides convenient marshaling/unmarshaling in JSON and YAML, in addition to String() and AsInt64() accessors.',
      type: 'string',
    },
  ],
};

const scalarSchemas: Record<string, Schema> = {
  string: { type: 'string' },
  bool: { type: 'boolean' },
  int32: { type: 'integer', format: 'int32' },
  int64: { type: 'integer', format: 'int64' },
  double: { type: 'number', format: 'double' },
  float: { type: 'number', format: 'float' },
  bytes: { type: 'string', format: 'byte' },
};

/** A field's schema: a scalar, or a reference wrapped as kube-openapi v3 writes it. */
function typeSchema(type: string, refs: Set<string>): Schema {
  const scalar = scalarSchemas[type];
  if (scalar) return { ...scalar };
  const special = specialSchemas[type];
  const name = special ? special[0] : componentName(type);
  refs.add(special ? `special:${type}` : type);
  return { $ref: `#/components/schemas/${name}` };
}

function fieldSchema(f: FieldDef, refs: Set<string>): Schema {
  if (f.type === 'map') return { type: 'object', additionalProperties: typeSchema(f.mapValue!, refs) };
  const item = typeSchema(f.type, refs);
  if (f.repeated) return { type: 'array', items: item };
  return item.$ref ? { allOf: [item], default: {} } : item;
}

function messageSchema(message: string, refs: Set<string>): Schema {
  const properties: Record<string, Schema> = {};
  for (const [name, f] of jsonFields(message) ?? []) properties[name] = fieldSchema(f, refs);
  return { type: 'object', properties };
}

/** Every schema reachable from these messages, by component name. */
function components(roots: string[]): Record<string, Schema> {
  const out: Record<string, Schema> = {};
  const queue = [...roots];
  const seen = new Set<string>();
  while (queue.length) {
    const m = queue.shift()!;
    if (seen.has(m)) continue;
    seen.add(m);
    if (m.startsWith('special:')) {
      const [name, schema] = specialSchemas[m.slice(8)];
      out[name] = schema;
      continue;
    }
    const refs = new Set<string>();
    out[componentName(m)] = messageSchema(m, refs);
    queue.push(...refs);
  }
  return out;
}

function rootMessage(r: ResourceType): string | undefined {
  return protoRoots[`${groupVersion(r)}/${r.kind}`];
}

/** `patchAppsV1NamespacedDeployment`: kube-openapi's operation ids. */
function operationId(verb: string, r: ResourceType, namespaced: boolean, suffix = ''): string {
  const group = r.group
    ? r.group
        .replace(/\.k8s\.io$/, '')
        .split('.')
        .map((p) => p[0].toUpperCase() + p.slice(1))
        .join('')
    : 'Core';
  const version = r.version[0].toUpperCase() + r.version.slice(1);
  return `${verb}${group}${version}${namespaced ? 'Namespaced' : ''}${r.kind}${suffix}`;
}

const queryParam = (name: string, description: string): Schema => ({
  name,
  in: 'query',
  description,
  schema: { type: 'string', uniqueItems: true },
});
const writeParams = [
  queryParam(
    'dryRun',
    'When present, indicates that modifications should not be persisted. An invalid or unrecognized dryRun directive will result in an error response and no further processing of the request. Valid values are: - All: all dry run stages will be processed',
  ),
  queryParam(
    'fieldManager',
    'fieldManager is a name associated with the actor or entity that is making these changes.',
  ),
  queryParam(
    'fieldValidation',
    'fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore - Warn (default) - Strict',
  ),
];
const patchTypes = [
  'application/apply-patch+yaml',
  'application/json-patch+json',
  'application/merge-patch+json',
];

function operation(
  verb: string,
  action: string,
  r: ResourceType,
  namespaced: boolean,
  root: string,
  extra: Schema = {},
): Schema {
  const gvk = { group: r.group, kind: r.kind, version: r.version };
  return {
    operationId: operationId(verb, r, namespaced, extra.suffix as string | undefined),
    tags: [
      r.group ? `${r.group.replace(/\.k8s\.io$/, '').replace(/\./g, '')}_${r.version}` : `core_${r.version}`,
    ],
    responses: {
      '200': {
        description: 'OK',
        content: { 'application/json': { schema: { $ref: `#/components/schemas/${componentName(root)}` } } },
      },
      '401': { description: 'Unauthorized' },
    },
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': gvk,
    ...Object.fromEntries(Object.entries(extra).filter(([k]) => k !== 'suffix')),
  };
}

function resourcePaths(r: ResourceType, root: string): Record<string, Schema> {
  const prefix = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  const ns = r.namespaced;
  const collection = ns ? `${prefix}/namespaces/{namespace}/${r.plural}` : `${prefix}/${r.plural}`;
  const body = {
    requestBody: { content: { '*/*': { schema: { $ref: `#/components/schemas/${componentName(root)}` } } } },
  };
  const patch = {
    parameters: [...writeParams, queryParam('force', 'Force is going to "force" Apply requests.')],
    requestBody: {
      content: Object.fromEntries(
        patchTypes.map((t) => [
          t,
          { schema: { $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.Patch' } },
        ]),
      ),
      required: true,
    },
  };
  const paths: Record<string, Schema> = {
    [collection]: {
      get: operation('list', 'list', r, ns, root),
      post: operation('create', 'post', r, ns, root, { parameters: writeParams, ...body }),
      ...(r.verbs.includes('deletecollection')
        ? { delete: operation('deleteCollection', 'deletecollection', r, ns, root) }
        : {}),
    },
    [`${collection}/{name}`]: {
      get: operation('read', 'get', r, ns, root),
      put: operation('replace', 'put', r, ns, root, { parameters: writeParams, ...body }),
      patch: operation('patch', 'patch', r, ns, root, patch),
      delete: operation('delete', 'delete', r, ns, root),
    },
  };
  if (r.subresources.some((s) => s.name === 'status')) {
    paths[`${collection}/{name}/status`] = {
      get: operation('read', 'get', r, ns, root, { suffix: 'Status' }),
      put: operation('replace', 'put', r, ns, root, { suffix: 'Status', parameters: writeParams, ...body }),
      patch: operation('patch', 'patch', r, ns, root, { suffix: 'Status', ...patch }),
    };
  }
  if (ns)
    paths[`${prefix}/${r.plural}`] = {
      get: operation('list', 'list', r, false, root, { suffix: 'ForAllNamespaces' }),
    };
  return paths;
}

/** The v3 document of one group/version, or undefined when it is not served. */
export function openApiV3Doc(group: string, version: string, serverVersion: string): Schema | undefined {
  const served = resourceTypes.filter((r) => r.group === group && r.version === version);
  if (served.length === 0) return undefined;
  const paths: Record<string, Schema> = {};
  const roots: string[] = [];
  const kinds = new Map<string, Schema[]>();
  for (const r of served) {
    const root = rootMessage(r);
    if (!root) continue;
    roots.push(root);
    Object.assign(paths, resourcePaths(r, root));
    const list = kinds.get(root) ?? [];
    list.push({ group: r.group, kind: r.kind, version: r.version });
    kinds.set(root, list);
  }
  const schemas = components(roots);
  for (const [root, gvks] of kinds) {
    const name = componentName(root);
    const own = schemas[name] as { properties: Record<string, Schema> };
    // TypeMeta is inlined in Go, so the protobuf message lacks it; every kind has it.
    schemas[name] = {
      ...own,
      properties: { apiVersion: { type: 'string' }, kind: { type: 'string' }, ...own.properties },
      'x-kubernetes-group-version-kind': dedupe(gvks),
    };
  }
  schemas['io.k8s.apimachinery.pkg.apis.meta.v1.Patch'] = {
    description: 'Patch is provided to give a concrete name and type to the Kubernetes PATCH request body.',
    type: 'object',
  };
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: serverVersion },
    paths,
    components: {
      schemas,
      securitySchemes: {
        BearerToken: {
          type: 'apiKey',
          description: 'Bearer Token authentication',
          name: 'authorization',
          in: 'header',
        },
      },
    },
  };
}

function dedupe(gvks: Schema[]): Schema[] {
  const seen = new Set<string>();
  return gvks.filter((g) => {
    const k = JSON.stringify(g);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Where each served group/version's document lives: `api/v1`, `apis/apps/v1`. */
function gvPath(gv: { group: string; version: string }): string {
  return gv.group ? `apis/${gv.group}/${gv.version}` : `api/${gv.version}`;
}

export class OpenApiDocuments {
  private readonly cache = new Map<string, { json: string; hash: string }>();
  private readonly serverVersion: () => string;

  constructor(serverVersion: () => string) {
    this.serverVersion = serverVersion;
  }

  /** `/openapi/v3/<path>` as JSON text with its content hash, or undefined. */
  v3(path: string): { json: string; hash: string } | undefined {
    const version = this.serverVersion();
    const key = `${version}|${path}`;
    const hit = this.cache.get(key);
    if (hit) return hit;
    const gv = groupVersions().find((g) => gvPath(g) === path);
    if (!gv) return undefined;
    const doc = openApiV3Doc(gv.group, gv.version, version);
    if (!doc) return undefined;
    const json = JSON.stringify(doc);
    const entry = { json, hash: createHash('sha512').update(json).digest('hex').toUpperCase() };
    this.cache.set(key, entry);
    return entry;
  }

  /** The `/openapi/v3` index. */
  v3Index(): unknown {
    const paths: Record<string, { serverRelativeURL: string }> = {};
    for (const gv of groupVersions()) {
      const p = gvPath(gv);
      paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=${this.v3(p)!.hash}` };
    }
    return { paths };
  }

  /** `/openapi/v2` as Swagger 2.0 JSON: the v3 schemas as definitions, the same paths. */
  v2(): unknown {
    const definitions: Record<string, unknown> = {};
    const paths: Record<string, unknown> = {};
    for (const gv of groupVersions()) {
      const doc = JSON.parse(this.v3(gvPath(gv))!.json) as {
        paths: Record<string, unknown>;
        components: { schemas: Record<string, unknown> };
      };
      Object.assign(paths, doc.paths);
      Object.assign(definitions, doc.components.schemas);
    }
    const text = JSON.stringify({
      swagger: '2.0',
      info: { title: 'Kubernetes', version: this.serverVersion() },
      paths,
      definitions,
    });
    // v2 refers to definitions where v3 refers to components.
    return JSON.parse(text.replaceAll('#/components/schemas/', '#/definitions/'));
  }
}

const v2Protobuf = 'application/com.github.proto-openapi.spec.v2';

/** Answers `/openapi/v2`, `/openapi/v3` and `/openapi/v3/<gv>`; false when the path is none of them. */
export function serveOpenApi(
  docs: OpenApiDocuments,
  pathname: string,
  accept: string | undefined,
  res: ServerResponse,
): boolean {
  const rest = pathname.replace(/^\/openapi\/?/, '').replace(/\/$/, '');
  if (rest === 'v2') {
    const types = (accept ?? '*/*').split(',').map((t) => t.split(';')[0].trim());
    const json = types.some((t) => t === 'application/json' || t === '*/*' || t === 'application/*');
    if (!json && types.some((t) => t.startsWith(v2Protobuf))) {
      sendText(res, 406, 'only application/json is served here', 'text/plain; charset=utf-8');
      return true;
    }
    sendJson(res, 200, docs.v2());
    return true;
  }
  if (rest === 'v3') {
    sendJson(res, 200, docs.v3Index());
    return true;
  }
  if (rest.startsWith('v3/')) {
    const doc = docs.v3(rest.slice(3));
    if (!doc) return false;
    // Fetched by hash, a document never changes (kube-openapi handler3 tags it so).
    res.setHeader('Etag', `"${doc.hash}"`);
    sendText(res, 200, doc.json, 'application/json');
    return true;
  }
  return false;
}
