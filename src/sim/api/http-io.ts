/**
 * Small helpers for reading requests and writing responses the way kube-apiserver does:
 * JSON with `Content-Type: application/json` (client-node refuses bodies without it),
 * Status bodies for every error, and a cap on request size.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, badRequest, type StatusBody } from './status.ts';

/** kube-apiserver refuses request bodies over 3 MiB (maxRequestBodyBytes). */
const maxBodyBytes = 3 * 1024 * 1024;

export async function readBody(req: IncomingMessage): Promise<string> {
  return (await readBodyBytes(req)).toString('utf8');
}

/** The raw request body (protobuf bodies are binary), refused past the size cap. */
export function readBodyBytes(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBodyBytes) {
        // Stop buffering but keep the socket, so the 413 reaches the client; the rest of
        // the body is discarded and the connection closed after the answer.
        req.removeAllListeners('data');
        req.resume();
        reject(
          new ApiError(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${maxBodyBytes}`),
        );
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Parses a JSON request body into an object, or a 400 the way the apiserver words it. */
export function parseJsonObject(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw badRequest(`error decoding request body: ${(err as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw badRequest('error decoding request body: expected a JSON object');
  }
  return value as Record<string, unknown>;
}

export function sendJson(res: ServerResponse, code: number, body: unknown): void {
  sendText(res, code, JSON.stringify(body), 'application/json');
}

/** Sends pre-serialized JSON (list bodies are assembled from stored text). */
export function sendText(res: ServerResponse, code: number, text: string, contentType: string): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(code, {
    'Content-Type': contentType,
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-cache, private',
  });
  res.end(text);
}

export function sendStatus(res: ServerResponse, err: ApiError): void {
  const body: StatusBody = err.toStatus();
  if ((err.details?.retryAfterSeconds ?? 0) > 0 && !res.headersSent) {
    res.setHeader('Retry-After', String(err.details?.retryAfterSeconds));
  }
  sendJson(res, err.code, body);
}

/** The media type without parameters, lower-cased: `application/json; charset=utf-8` → `application/json`. */
export function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0].trim().toLowerCase();
}

/** Splices `kind` and `apiVersion` in front of stored JSON, which omits them. */
export function withTypeMeta(json: string, kind: string, apiVersion: string): string {
  const head = `{"kind":${JSON.stringify(kind)},"apiVersion":${JSON.stringify(apiVersion)}`;
  return json.length > 2 ? `${head},${json.slice(1)}` : `${head}}`;
}
