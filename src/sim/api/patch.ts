/**
 * PATCH bodies: picks the patch flavour from the Content-Type, decodes the body and applies
 * it to a copy of the current object, failing with the Status errors kube-apiserver sends
 * (apiserver pkg/endpoints/handlers/patch.go). Validating the result (name, namespace, uid,
 * kind changes) is the caller's job, as it is the registry's on a real server.
 */
import { parseDocument } from 'yaml';
import { applyJsonPatch, mergePatchInto, pruneNulls } from './json-patch.ts';
import { cloneJson, isObject, type KubeObject } from './k8s-types.ts';
import { type ApiError, badRequest, invalid, unsupportedMediaType } from './status.ts';
import { strategicMergePatch } from './strategic-merge-patch.ts';

export const JSON_PATCH = 'application/json-patch+json';
export const MERGE_PATCH = 'application/merge-patch+json';
export const STRATEGIC_MERGE_PATCH = 'application/strategic-merge-patch+json';
export const APPLY_PATCH = 'application/apply-patch+yaml';

/** In the order apiserver's installer.go registers them, which is the order the 415 lists them in. */
export const PATCH_CONTENT_TYPES: readonly string[] = [
  JSON_PATCH,
  MERGE_PATCH,
  STRATEGIC_MERGE_PATCH,
  APPLY_PATCH,
];

const GO_MAP = 'map[string]interface {}';
const TIMESTAMP_TAG = 'tag:yaml.org,2002:timestamp';

/**
 * Applies `patchBody` to `current` according to `contentType` and returns the patched object;
 * `current` is never modified. `kind` selects the strategic-merge metadata.
 */
export function applyPatch(
  contentType: string,
  current: KubeObject,
  patchBody: string,
  kind: string,
): KubeObject {
  // patch.go cuts the header at the first ';' and compares the rest exactly.
  const header = contentType.trim();
  const semi = header.indexOf(';');
  const type = semi > 0 ? header.slice(0, semi) : header;
  const doc = cloneJson(current) as Record<string, unknown>;
  switch (type) {
    case JSON_PATCH: {
      const ops = decodeGoJson(patchBody, 'jsonpatch.Patch', 'array');
      return toObject(applyJsonPatch(doc, ops ?? []), kind);
    }
    case MERGE_PATCH:
      return toObject(mergePatch(doc, patchBody), kind);
    case STRATEGIC_MERGE_PATCH: {
      const patch = decodeGoJson(patchBody, GO_MAP, 'object');
      // A `null` body decodes to a nil map, which patches nothing.
      return toObject(patch ? strategicMergePatch(doc, patch, kind) : doc, kind);
    }
    case APPLY_PATCH: {
      // Simplification: real server-side apply tracks field managers in managedFields and
      // removes fields the same manager stopped applying. Here the applied configuration is
      // strategic-merged into the live object, which gives the same result for the common
      // cases (first apply, adding or changing fields) and never removes anything that the
      // body does not explicitly null or delete.
      const body = decodeApplyYaml(patchBody);
      return toObject(body ? strategicMergePatch(doc, body, kind) : doc, kind);
    }
    default:
      throw unsupportedMediaType(contentType, [...PATCH_CONTENT_TYPES]);
  }
}

/** json-patch.v4 `MergePatch`: every body that is not a JSON object or array is "Invalid JSON Patch". */
function mergePatch(doc: Record<string, unknown>, body: string): unknown {
  if (goJsonSyntaxError(body) !== undefined) throw badRequest('Invalid JSON Patch');
  const patch: unknown = JSON.parse(body);
  // An array body replaces the whole document, and the typed decode that follows fails.
  if (Array.isArray(patch)) return pruneNulls(patch);
  if (!isObject(patch)) throw badRequest('Invalid JSON Patch');
  mergePatchInto(doc, patch);
  return doc;
}

/**
 * The patched document as an object. A non-object is what the apiserver fails to decode into
 * the typed object (422 on field `patch`). A missing or null `metadata` decodes to an empty
 * ObjectMeta there, so it becomes `{}` here; whether that is acceptable is the caller's call.
 */
function toObject(v: unknown, kind: string): KubeObject {
  if (!isObject(v)) {
    const t = Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v;
    throw undecodable(JSON.stringify(v), `json: cannot unmarshal ${t} into Go value of type ${GO_MAP}`);
  }
  if (v.metadata === undefined || v.metadata === null) v.metadata = {};
  if (!isObject(v.metadata)) {
    throw undecodable(
      JSON.stringify(v),
      `json: cannot unmarshal ${goJsonKind(v.metadata)} into Go struct field ${kind}.metadata of type v1.ObjectMeta`,
    );
  }
  return v as KubeObject;
}

function undecodable(patched: string, detail: string): ApiError {
  return invalid('', '', '', [
    { field: 'patch', message: `Invalid value: ${JSON.stringify(patched)}: ${detail}` },
  ]);
}

// ---------------------------------------------------------------- decoding bodies

/** How Go's encoding/json names a JSON value in "cannot unmarshal X" errors. */
function goJsonKind(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  if (typeof v === 'object') return 'object';
  return typeof v === 'boolean' ? 'bool' : typeof v;
}

/**
 * Decodes JSON the way `json.Unmarshal` into a Go map or slice does: syntax errors first, in
 * Go's words, then a type error when the top level is the wrong kind. `null` decodes to a nil
 * value (undefined here). Errors are 400s carrying the Go message, as patch.go reports them.
 */
function decodeGoJson(body: string, goType: string, want: 'object'): Record<string, unknown> | undefined;
function decodeGoJson(body: string, goType: string, want: 'array'): unknown[] | undefined;
function decodeGoJson(body: string, goType: string, want: 'object' | 'array'): unknown {
  const syntax = goJsonSyntaxError(body);
  if (syntax !== undefined) throw badRequest(syntax);
  const value: unknown = JSON.parse(body);
  if (value === null) return undefined;
  const kind = goJsonKind(value);
  if (kind !== want) throw badRequest(`json: cannot unmarshal ${kind} into Go value of type ${goType}`);
  if (want === 'array') {
    // Each RFC 6902 operation decodes into a Go map; null elements become empty operations.
    for (const op of value as unknown[]) {
      const k = goJsonKind(op);
      if (k !== 'object' && k !== 'null') {
        throw badRequest(`json: cannot unmarshal ${k} into Go value of type jsonpatch.Operation`);
      }
    }
  }
  return value;
}

/** `sigs.k8s.io/yaml.Unmarshal` into a map, with its error wording behind patch.go's prefix. */
function decodeApplyYaml(body: string): Record<string, unknown> | undefined {
  // YAML 1.1 as go-yaml v2 reads it (yes/no are booleans), but timestamps stay strings the way
  // the YAML→JSON conversion leaves them; duplicate keys are tolerated like go-yaml v2 does.
  const doc = parseDocument(body, {
    version: '1.1',
    uniqueKeys: false,
    customTags: (tags) =>
      tags.filter((t) => (typeof t === 'string' ? t !== 'timestamp' : t.tag !== TIMESTAMP_TAG)),
  });
  const err = doc.errors[0];
  if (err) {
    const line = err.linePos?.[0].line ?? 1;
    const what = err.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
    throw badRequest(`error decoding YAML: error converting YAML to JSON: yaml: line ${line}: ${what}`);
  }
  const value: unknown = doc.toJS();
  if (value === null || value === undefined) return undefined;
  if (!isObject(value)) {
    throw badRequest(
      `error decoding YAML: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal ${goJsonKind(value)} into Go value of type ${GO_MAP}`,
    );
  }
  // Anything YAML can say that JSON cannot (.inf, binary, dates) is refused rather than stored.
  const json = JSON.stringify(value, (_k, v: unknown) => {
    if (typeof v === 'number' && !Number.isFinite(v)) {
      throw badRequest(`error decoding YAML: error converting YAML to JSON: json: unsupported value: ${v}`);
    }
    return v;
  });
  return JSON.parse(json) as Record<string, unknown>;
}

// ---------------------------------------------------------------- Go-compatible JSON syntax errors

/** Go's `quoteChar`: how encoding/json shows the offending byte. */
function quoteChar(c: number): string {
  if (c === 0x27) return `'\\''`;
  if (c === 0x22) return `'"'`;
  const escapes: Record<number, string> = {
    7: '\\a',
    8: '\\b',
    9: '\\t',
    10: '\\n',
    11: '\\v',
    12: '\\f',
    13: '\\r',
  };
  if (escapes[c]) return `'${escapes[c]}'`;
  if (c === 0x5c) return `'\\\\'`;
  const ch = String.fromCharCode(c);
  if (c < 0x20 || c === 0x7f) return `'\\x${c.toString(16).padStart(2, '0')}'`;
  if (c === 0x20 || /[\p{L}\p{M}\p{N}\p{P}\p{S}]/u.test(ch)) return `'${ch}'`;
  return `'\\u${c.toString(16).padStart(4, '0')}'`;
}

class GoSyntaxError extends Error {}

/**
 * Validates JSON byte by byte like encoding/json's scanner and returns its error message for
 * the first problem (e.g. `invalid character '}' looking for beginning of object key string`),
 * or undefined for valid JSON. JSON.parse's messages differ, and clients show this text.
 */
export function goJsonSyntaxError(text: string): string | undefined {
  const b = Buffer.from(text, 'utf8');
  let i = 0;
  const fail = (context: string): never => {
    if (i >= b.length) throw new GoSyntaxError('unexpected end of JSON input');
    throw new GoSyntaxError(`invalid character ${quoteChar(b[i])} ${context}`);
  };
  const ws = () => {
    while (i < b.length && (b[i] === 0x20 || b[i] === 0x09 || b[i] === 0x0a || b[i] === 0x0d)) i++;
  };
  const isDigit = (c: number | undefined) => c !== undefined && c >= 0x30 && c <= 0x39;
  const isHex = (c: number) => isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);

  const string = () => {
    i++; // opening quote
    for (;;) {
      if (i >= b.length) fail('');
      const c = b[i];
      if (c === 0x22) {
        i++;
        return;
      }
      if (c === 0x5c) {
        i++;
        if (i >= b.length) fail('');
        if (b[i] === 0x75) {
          i++;
          for (let n = 0; n < 4; n++, i++)
            if (i >= b.length || !isHex(b[i])) fail('in \\u hexadecimal character escape');
          continue;
        }
        if (!'"\\/bfnrt'.includes(String.fromCharCode(b[i]))) fail('in string escape code');
      } else if (c < 0x20) {
        fail('in string literal');
      }
      i++;
    }
  };

  const number = () => {
    if (b[i] === 0x2d) {
      i++;
      if (!isDigit(b[i])) fail('in numeric literal');
    }
    if (b[i] === 0x30) i++;
    else while (isDigit(b[i])) i++;
    if (b[i] === 0x2e) {
      i++;
      if (!isDigit(b[i])) fail('after decimal point in numeric literal');
      while (isDigit(b[i])) i++;
    }
    if (b[i] === 0x65 || b[i] === 0x45) {
      i++;
      if (b[i] === 0x2b || b[i] === 0x2d) i++;
      if (!isDigit(b[i])) fail('in exponent of numeric literal');
      while (isDigit(b[i])) i++;
    }
  };

  const literal = (word: string) => {
    for (let n = 0; n < word.length; n++, i++) {
      if (b[i] !== word.charCodeAt(n)) fail(`in literal ${word} (expecting '${word[n]}')`);
    }
  };

  const value = (): void => {
    ws();
    const c = b[i];
    if (c === 0x7b) {
      i++;
      ws();
      if (b[i] === 0x7d) {
        i++;
        return;
      }
      for (;;) {
        if (b[i] !== 0x22) fail('looking for beginning of object key string');
        string();
        ws();
        if (b[i] !== 0x3a) fail('after object key');
        i++;
        value();
        ws();
        if (b[i] === 0x2c) {
          i++;
          ws();
          continue;
        }
        if (b[i] === 0x7d) {
          i++;
          return;
        }
        fail('after object key:value pair');
      }
    }
    if (c === 0x5b) {
      i++;
      ws();
      if (b[i] === 0x5d) {
        i++;
        return;
      }
      for (;;) {
        value();
        ws();
        if (b[i] === 0x2c) {
          i++;
          continue;
        }
        if (b[i] === 0x5d) {
          i++;
          return;
        }
        fail('after array element');
      }
    }
    if (c === 0x22) string();
    else if (c === 0x2d || isDigit(c)) number();
    else if (c === 0x74) literal('true');
    else if (c === 0x66) literal('false');
    else if (c === 0x6e) literal('null');
    else fail('looking for beginning of value');
  };

  try {
    value();
    ws();
    if (i < b.length) fail('after top-level value');
    return undefined;
  } catch (err) {
    if (err instanceof GoSyntaxError) return err.message;
    throw err;
  }
}
