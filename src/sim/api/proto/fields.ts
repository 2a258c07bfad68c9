/**
 * The field tables of messages.ts, parsed once: by wire number (for decoding protobuf) and
 * by JSON name, with inline-embedded messages flattened into their parent as Go's JSON
 * encoding does (a Probe's `httpGet` is the Probe's own field in JSON, its ProbeHandler's
 * in protobuf).
 */
import { protoMessages } from './messages.ts';

export interface FieldDef {
  number: number;
  name: string;
  /** A scalar, a special (time, quantity …), a message of the table, or `map`. */
  type: string;
  repeated: boolean;
  /** The value type of a `map<string, …>` field. */
  mapValue?: string;
  /** Embedded inline: in JSON its fields are the parent's. */
  inline: boolean;
}

const byNumber = new Map<string, Map<number, FieldDef>>();
const byName = new Map<string, Map<string, FieldDef>>();

/** A message's fields by wire number; undefined when the table lacks it. */
export function wireFields(message: string): Map<number, FieldDef> | undefined {
  const known = byNumber.get(message);
  if (known) return known;
  const spec = protoMessages[message];
  if (spec === undefined) return undefined;
  const t = new Map<number, FieldDef>();
  for (const item of spec.split(';')) {
    if (!item) continue;
    const [num, name, type, ...flags] = item.split(' ');
    const mapValue = type.startsWith('map:') ? type.slice(4) : undefined;
    t.set(Number(num), {
      number: Number(num),
      name,
      type: mapValue ? 'map' : type,
      repeated: flags.includes('repeated'),
      mapValue,
      inline: flags.includes('inline'),
    });
  }
  byNumber.set(message, t);
  return t;
}

/** A message's fields as JSON names them, inline embeddings flattened. */
export function jsonFields(message: string): Map<string, FieldDef> | undefined {
  const known = byName.get(message);
  if (known) return known;
  const wire = wireFields(message);
  if (!wire) return undefined;
  const t = new Map<string, FieldDef>();
  for (const f of wire.values()) {
    if (f.inline) for (const [n, inner] of jsonFields(f.type) ?? []) t.set(n, inner);
    else t.set(f.name, f);
  }
  byName.set(message, t);
  return t;
}
