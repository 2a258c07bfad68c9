/**
 * An object's request body in any media type kube-apiserver accepts for built-in kinds:
 * JSON, YAML, or Kubernetes protobuf (what kubectl 1.32's typed clients send for `create
 * namespace`, `create configmap`, `create deployment` …). Anything else is the apiserver's
 * 415 with the accepted list (apiserver `endpoints/handlers/negotiation/errors.go`).
 */
import type { IncomingMessage } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { mediaType, parseJsonObject, readBody, readBodyBytes } from './http-io.ts';
import { decodeKubeProtobuf, ProtobufDecodeError } from './proto/decode.ts';
import { ApiError, badRequest } from './status.ts';

export const protobufMediaType = 'application/vnd.kubernetes.protobuf';
const accepted = ['application/json', 'application/yaml', protobufMediaType];

function unsupported(): ApiError {
  return new ApiError(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`,
  );
}

export async function readObjectBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const ct = mediaType(req.headers['content-type']);
  if (!ct || ct === 'application/json' || ct === '*/*') return parseJsonObject(await readBody(req));
  if (ct === 'application/yaml') {
    let value: unknown;
    try {
      value = parseYaml(await readBody(req));
    } catch (err) {
      throw badRequest(`error decoding request body: ${(err as Error).message}`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw badRequest('error decoding request body: expected a YAML mapping');
    return value as Record<string, unknown>;
  }
  if (ct === protobufMediaType) {
    const bytes = await readBodyBytes(req);
    try {
      return decodeKubeProtobuf(bytes);
    } catch (err) {
      if (err instanceof ProtobufDecodeError) throw badRequest(err.message);
      throw err;
    }
  }
  req.resume();
  throw unsupported();
}
