/**
 * Decodes a `application/vnd.kubernetes.protobuf` request body into the JSON object the
 * rest of the API server handles. kubectl 1.32's typed clients (`create namespace`,
 * `create configmap`, `create deployment`, …) send nothing else, and kube-apiserver accepts
 * it for every built-in kind (client-go v0.32 `rest/request.go` UseProtobufAsDefault).
 *
 * The envelope (apimachinery `runtime/serializer/protobuf/protobuf.go`): the magic bytes
 * `k8s\0`, then a `runtime.Unknown` {1 typeMeta {1 apiVersion, 2 kind}, 2 raw, 3
 * contentEncoding, 4 contentType}; `raw` is the object's own message, read with the field
 * table in messages.ts. Go encodes non-pointer fields even when empty, so zero scalars are
 * dropped as JSON's omitempty would, except the few whose zero means something.
 */
import { rfc3339, rfc3339Micro } from '../../../time/clock.ts';
import { goDuration } from '../../../time/go-duration.ts';
import { wireFields } from './fields.ts';
import { protoRoots } from './messages.ts';
import { readFields, readPackedVarints, WireError, type WireField, wireBytes } from './wire.ts';

/** 0x6b 0x38 0x73 0x00: "k8s" and the envelope style (apimachinery protoEncodingPrefix). */
const magic = [0x6b, 0x38, 0x73, 0x00];

/** Pointer fields whose zero is a real value (`replicas: 0` scales to nothing). */
const keepZero = new Set([
  'apps.v1.DeploymentSpec.replicas',
  'batch.v1.JobSpec.parallelism',
  'batch.v1.JobSpec.completions',
  'batch.v1.JobSpec.backoffLimit',
]);

export class ProtobufDecodeError extends Error {}

/** The decoded object with `apiVersion` and `kind` from the envelope. */
export function decodeKubeProtobuf(body: Uint8Array): Record<string, unknown> {
  if (body.length < magic.length || magic.some((b, i) => body[i] !== b)) {
    throw new ProtobufDecodeError(
      `provided data does not appear to be a protobuf message, expected prefix [${magic.join(' ')}]`,
    );
  }
  try {
    let apiVersion = '';
    let kind = '';
    let raw: Uint8Array = new Uint8Array();
    for (const f of readFields(body.subarray(magic.length))) {
      if (f.number === 1 && f.bytes) {
        for (const t of readFields(f.bytes)) {
          if (t.number === 1) apiVersion = text(t);
          if (t.number === 2) kind = text(t);
        }
      } else if (f.number === 2 && f.bytes) raw = f.bytes;
    }
    const root = protoRoots[`${apiVersion}/${kind}`];
    if (!root) throw new ProtobufDecodeError(`no kind "${kind}" is registered for version "${apiVersion}"`);
    return { apiVersion, kind, ...message(root, raw) };
  } catch (err) {
    if (err instanceof WireError) throw new ProtobufDecodeError(`proto: ${err.message}`);
    throw err;
  }
}

/** Whether a body of this kind can be decoded (it is in the table). */
export function protobufKnows(apiVersion: string, kind: string): boolean {
  return protoRoots[`${apiVersion}/${kind}`] !== undefined;
}

function message(name: string, buf: Uint8Array): Record<string, unknown> {
  const defs = wireFields(name);
  if (!defs) throw new WireError(`no field table for ${name}`);
  const out: Record<string, unknown> = {};
  for (const f of readFields(buf)) {
    const def = defs.get(f.number);
    if (!def) continue; // a field newer than the table: skipped, as proto decoders do
    if (def.inline) {
      // Embedded inline: its fields are this object's own in JSON.
      Object.assign(out, message(def.type, f.bytes ?? new Uint8Array()));
      continue;
    }
    if (def.type === 'map') {
      out[def.name] ??= {};
      const map = out[def.name] as Record<string, unknown>;
      let key = '';
      let value: unknown = def.mapValue === 'string' ? '' : undefined;
      for (const e of readFields(f.bytes ?? new Uint8Array())) {
        if (e.number === 1) key = text(e);
        else if (e.number === 2) value = single(def.mapValue!, e);
      }
      map[key] = value;
      continue;
    }
    if (def.repeated) {
      out[def.name] ??= [];
      const list = out[def.name] as unknown[];
      // Packed repeated numbers arrive as one length-delimited field.
      if (f.wireType === wireBytes && isNumeric(def.type)) {
        for (const v of readPackedVarints(f.bytes!)) list.push(scalar(def.type, { ...f, int: v }));
      } else list.push(single(def.type, f));
      continue;
    }
    const value = single(def.type, f);
    if (value === undefined) continue;
    if (!keepZero.has(`${name}.${def.name}`) && (value === '' || value === 0 || value === false)) continue;
    out[def.name] = value;
  }
  return out;
}

function isNumeric(type: string): boolean {
  return type === 'int32' || type === 'int64' || type === 'bool' || type === 'double' || type === 'float';
}

function single(type: string, f: WireField): unknown {
  switch (type) {
    case 'time':
    case 'microTime': {
      const { seconds, nanos } = timeParts(f);
      if (seconds === 0 && nanos === 0) return undefined; // metav1.Time zero is null
      const ms = seconds * 1000 + Math.floor(nanos / 1e6);
      return type === 'time' ? rfc3339(ms) : rfc3339Micro(ms);
    }
    case 'duration': {
      const nanos = Number(firstInt(f, 1));
      return goDuration(nanos / 1e6);
    }
    case 'raw': {
      const bytes = readFields(f.bytes ?? new Uint8Array()).find((x) => x.number === 1)?.bytes;
      return bytes?.length ? JSON.parse(new TextDecoder().decode(bytes)) : undefined;
    }
    case 'intOrString': {
      const parts = readFields(f.bytes ?? new Uint8Array());
      const kind = Number(parts.find((x) => x.number === 1)?.int ?? 0n);
      if (kind === 1) return text(parts.find((x) => x.number === 3));
      return Number(BigInt.asIntN(32, parts.find((x) => x.number === 2)?.int ?? 0n));
    }
    case 'quantity':
      return text(readFields(f.bytes ?? new Uint8Array()).find((x) => x.number === 1));
    default:
      if (type.includes('.')) return message(type, f.bytes ?? new Uint8Array());
      return scalar(type, f);
  }
}

function scalar(type: string, f: WireField): unknown {
  switch (type) {
    case 'string':
      return text(f);
    case 'bytes':
      return Buffer.from(f.bytes ?? new Uint8Array()).toString('base64');
    case 'bool':
      return (f.int ?? 0n) !== 0n;
    case 'int32':
      return Number(BigInt.asIntN(32, f.int ?? 0n));
    case 'int64':
      return Number(BigInt.asIntN(64, f.int ?? 0n));
    case 'double': {
      const b = new DataView(new ArrayBuffer(8));
      b.setBigUint64(0, f.int ?? 0n, true);
      return b.getFloat64(0, true);
    }
    case 'float': {
      const b = new DataView(new ArrayBuffer(4));
      b.setUint32(0, Number(f.int ?? 0n), true);
      return b.getFloat32(0, true);
    }
    default:
      throw new WireError(`unknown scalar type ${type}`);
  }
}

function text(f: WireField | undefined): string {
  return f?.bytes ? new TextDecoder().decode(f.bytes) : '';
}

function firstInt(f: WireField, number: number): bigint {
  return readFields(f.bytes ?? new Uint8Array()).find((x) => x.number === number)?.int ?? 0n;
}

function timeParts(f: WireField): { seconds: number; nanos: number } {
  return { seconds: Number(BigInt.asIntN(64, firstInt(f, 1))), nanos: Number(firstInt(f, 2)) };
}
