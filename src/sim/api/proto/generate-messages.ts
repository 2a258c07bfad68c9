/**
 * Development tool, never imported: writes `messages.ts`, the protobuf field numbers of the
 * kinds kubectl creates through client-go's typed clients (which send
 * `application/vnd.kubernetes.protobuf` bodies since client-go 0.32, `rest/client.go`
 * "all generated clients accessing built-in kube resources are forced to protobuf").
 *
 * Reads the `generated.proto` (and `types.go`, for inline embedding) files of a k8s.io/api
 * and a k8s.io/apimachinery checkout at
 * the target version and keeps only the messages reachable from the root kinds below:
 *
 *   npx node src/sim/api/proto/generate-messages.ts API_DIR APIMACHINERY_DIR > src/sim/api/proto/messages.ts
 *
 * Each message becomes one compact line `number name type [repeated|map]`, so the table is
 * data, not code, and a review sees every field number it trusts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const [apiDir, machineryDir] = process.argv.slice(2);
if (!apiDir || !machineryDir) {
  process.stderr.write('usage: generate-messages.ts K8S_IO_API_DIR K8S_IO_APIMACHINERY_DIR\n');
  process.exit(2);
}

/** Proto packages and the files that define them. */
const files: [string, string][] = [
  ['k8s.io.api.core.v1', join(apiDir, 'core/v1/generated.proto')],
  ['k8s.io.api.apps.v1', join(apiDir, 'apps/v1/generated.proto')],
  ['k8s.io.api.batch.v1', join(apiDir, 'batch/v1/generated.proto')],
  ['k8s.io.api.networking.v1', join(apiDir, 'networking/v1/generated.proto')],
  ['k8s.io.api.policy.v1', join(apiDir, 'policy/v1/generated.proto')],
  ['k8s.io.api.admissionregistration.v1', join(apiDir, 'admissionregistration/v1/generated.proto')],
  ['k8s.io.api.discovery.v1', join(apiDir, 'discovery/v1/generated.proto')],
  ['k8s.io.api.coordination.v1', join(apiDir, 'coordination/v1/generated.proto')],
  ['k8s.io.api.events.v1', join(apiDir, 'events/v1/generated.proto')],
  ['k8s.io.api.flowcontrol.v1', join(apiDir, 'flowcontrol/v1/generated.proto')],
  ['k8s.io.apimachinery.pkg.apis.meta.v1', join(machineryDir, 'pkg/apis/meta/v1/generated.proto')],
  ['k8s.io.apimachinery.pkg.runtime', join(machineryDir, 'pkg/runtime/generated.proto')],
];

/** Messages with a JSON form of their own (a string, a number-or-string, raw JSON). */
const special: Record<string, string> = {
  'k8s.io.apimachinery.pkg.apis.meta.v1.Time': 'time',
  'k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime': 'microTime',
  'k8s.io.apimachinery.pkg.apis.meta.v1.Duration': 'duration',
  'k8s.io.apimachinery.pkg.apis.meta.v1.FieldsV1': 'raw',
  'k8s.io.apimachinery.pkg.runtime.RawExtension': 'raw',
  'k8s.io.apimachinery.pkg.util.intstr.IntOrString': 'intOrString',
  'k8s.io.apimachinery.pkg.api.resource.Quantity': 'quantity',
};

const roots = [
  'k8s.io.api.core.v1.Namespace',
  'k8s.io.api.core.v1.ConfigMap',
  'k8s.io.api.core.v1.Service',
  'k8s.io.api.core.v1.Pod',
  'k8s.io.api.apps.v1.Deployment',
  'k8s.io.api.batch.v1.Job',
  'k8s.io.api.batch.v1.CronJob',
  'k8s.io.api.networking.v1.Ingress',
  'k8s.io.api.policy.v1.PodDisruptionBudget',
  'k8s.io.api.admissionregistration.v1.ValidatingWebhookConfiguration',
  'k8s.io.api.admissionregistration.v1.MutatingWebhookConfiguration',
  // Not created by kubectl's typed clients, but served: their schemas feed /openapi.
  'k8s.io.api.core.v1.Node',
  'k8s.io.api.core.v1.Endpoints',
  'k8s.io.api.core.v1.Event',
  'k8s.io.api.apps.v1.ReplicaSet',
  'k8s.io.api.apps.v1.DaemonSet',
  'k8s.io.api.discovery.v1.EndpointSlice',
  'k8s.io.api.coordination.v1.Lease',
  'k8s.io.api.events.v1.Event',
  'k8s.io.api.policy.v1.Eviction',
  'k8s.io.api.flowcontrol.v1.FlowSchema',
  'k8s.io.api.flowcontrol.v1.PriorityLevelConfiguration',
];

interface Field {
  number: number;
  name: string;
  type: string;
  label: 'optional' | 'repeated' | 'map';
  mapValue?: string;
  /** Embedded with `json:",inline"`: its fields are the parent's in JSON. */
  inline?: boolean;
}

/**
 * What types.go says of each field (by `Struct.number`): its JSON name (the proto name is
 * not always it: `Webhooks`, `Port`), and whether it is embedded inline (`json:",inline"`:
 * a Volume's VolumeSource, a Probe's ProbeHandler, a webhook's Rule), which the proto
 * nests and JSON does not.
 */
function goFields(file: string): Map<string, { json: string; inline: boolean }> {
  const out = new Map<string, { json: string; inline: boolean }>();
  let struct = '';
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const t = /^type (\w+) struct \{/.exec(line);
    if (t) struct = t[1];
    const json = /json:"([^",]*)([^"]*)"/.exec(line);
    const proto = /protobuf:"[a-z0-9]+,(\d+)/.exec(line);
    if (json && proto && struct)
      out.set(`${struct}.${proto[1]}`, { json: json[1], inline: json[2].includes('inline') });
  }
  return out;
}

const messages = new Map<string, Field[]>();
for (const [pkg, file] of files) {
  const typesFile = file.replace(/generated\.proto$/, 'types.go');
  const go = pkg.startsWith('k8s.io.api.')
    ? goFields(typesFile)
    : new Map<string, { json: string; inline: boolean }>();
  const text = readFileSync(file, 'utf8').replace(/\/\/.*$/gm, '');
  for (const m of text.matchAll(/message (\w+) \{([^}]*)\}/g)) {
    const fields: Field[] = [];
    for (const line of m[2].split('\n')) {
      const f = /^\s*(optional|repeated) ([.\w]+) (\w+) = (\d+);/.exec(line);
      const map = /^\s*map<string, ([.\w]+)> (\w+) = (\d+);/.exec(line);
      if (f)
        fields.push({
          label: f[1] as Field['label'],
          type: qualify(f[2], pkg),
          name: f[3],
          number: +f[4],
        });
      else if (map)
        fields.push({
          label: 'map',
          type: 'string',
          mapValue: qualify(map[1], pkg),
          name: map[2],
          number: +map[3],
        });
    }
    for (const f of fields) {
      const g = go.get(`${m[1]}.${f.number}`);
      if (g?.inline) f.inline = true;
      else if (g?.json) f.name = g.json;
    }
    messages.set(`${pkg}.${m[1]}`, fields);
  }
}

function qualify(type: string, pkg: string): string {
  if (type.startsWith('.')) return type.slice(1);
  if (/^(string|bool|bytes|int32|int64|double|float)$/.test(type)) return type;
  return `${pkg}.${type}`;
}

const reached = new Set<string>();
const visit = (name: string): void => {
  if (reached.has(name) || special[name]) return;
  const fields = messages.get(name);
  if (!fields) throw new Error(`message ${name} not found`);
  reached.add(name);
  for (const f of fields) {
    const t = f.mapValue ?? f.type;
    if (t.includes('.')) visit(t);
  }
};
for (const r of roots) visit(r);

const short = (t: string): string => special[t] ?? t.replace(/^k8s\.io\.(api|apimachinery\.pkg\.apis)\./, '');
const out: string[] = [];
for (const name of [...reached].sort()) {
  const lines = messages
    .get(name)!
    .map((f) => {
      const type = f.label === 'map' ? `map:${short(f.mapValue!)}` : short(f.type);
      return `${f.number} ${f.name} ${type}${f.label === 'repeated' ? ' repeated' : ''}${f.inline ? ' inline' : ''}`;
    })
    .join(';');
  out.push(`  '${short(name)}': '${lines}',`);
}
process.stdout.write(`/**
 * Protobuf field numbers of the kinds the simulator serves, and everything they contain:
 * kubectl creates some with typed clients (protobuf bodies) and /openapi describes them all.
 * Generated by generate-messages.ts from k8s.io/api and k8s.io/apimachinery v0.32.13
 * \`generated.proto\`; do not edit by hand. Each field is \`number name type\`, with
 * \`repeated\` or a \`map:<value type>\` (keys are strings), or \`inline\` (embedded: its
 * fields are the parent's in JSON); types are proto scalars, another
 * message of this table, or a message with its own JSON form (time, microTime, duration, raw,
 * intOrString, quantity).
 */
export const protoMessages: Record<string, string> = {
${out.join('\n')}
};

/** The message each served kind is encoded as, by \`<apiVersion>/<kind>\`. */
export const protoRoots: Record<string, string> = {
${roots.map((r) => `  '${apiVersionOf(r)}/${r.split('.').at(-1)}': '${short(r)}',`).join('\n')}
};
`);

function apiVersionOf(root: string): string {
  const [group, version] = root.replace('k8s.io.api.', '').split('.');
  const groups: Record<string, string> = {
    core: '',
    networking: 'networking.k8s.io',
    admissionregistration: 'admissionregistration.k8s.io',
    discovery: 'discovery.k8s.io',
    coordination: 'coordination.k8s.io',
    events: 'events.k8s.io',
    flowcontrol: 'flowcontrol.apiserver.k8s.io',
  };
  const g = groups[group] ?? group;
  return g ? `${g}/${version}` : version;
}
