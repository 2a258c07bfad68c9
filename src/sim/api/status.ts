/**
 * `Status` errors exactly as kube-apiserver sends them (apimachinery pkg/api/errors).
 * Every failure the simulator reports goes through ApiError, so the HTTP layer has one
 * way to turn an error into a response and clients see the reasons and codes they expect.
 */

/** metav1.StatusCause: the Go field Type is `reason` on the wire. */
export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface StatusBody {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code: number;
}

export class ApiError extends Error {
  readonly code: number;
  readonly reason: string;
  readonly details: StatusDetails | undefined;

  constructor(code: number, reason: string, message: string, details?: StatusDetails) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.reason = reason;
    this.details = details;
  }

  toStatus(): StatusBody {
    const body: StatusBody = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      code: this.code,
    };
    if (this.details) body.details = this.details;
    // StatusReasonUnknown is "" and omitempty: errors the apiserver passes on unconverted.
    if (!this.reason) delete body.reason;
    return body;
  }
}

/** `pods "x"` or `deployments.apps "x"`: how apimachinery names a resource in messages. */
function qualified(resource: string, group: string): string {
  return group ? `${resource}.${group}` : resource;
}

export function notFound(resource: string, group: string, name: string): ApiError {
  return new ApiError(404, 'NotFound', `${qualified(resource, group)} "${name}" not found`, {
    name,
    group: group || undefined,
    kind: resource,
  });
}

/** The 404 for a path no resource serves. */
export function pathNotFound(): ApiError {
  return new ApiError(404, 'NotFound', 'the server could not find the requested resource', {});
}

export function alreadyExists(resource: string, group: string, name: string): ApiError {
  return new ApiError(409, 'AlreadyExists', `${qualified(resource, group)} "${name}" already exists`, {
    name,
    group: group || undefined,
    kind: resource,
  });
}

export function conflict(resource: string, group: string, name: string, why?: string): ApiError {
  const message = `Operation cannot be fulfilled on ${qualified(resource, group)} "${name}": ${
    why ?? 'the object has been modified; please apply your changes to the latest version and try again'
  }`;
  return new ApiError(409, 'Conflict', message, { name, group: group || undefined, kind: resource });
}

export function invalid(kind: string, group: string, name: string, causes: StatusCause[]): ApiError {
  const list = causes.map((c) => (c.field ? `${c.field}: ${c.message}` : (c.message ?? ''))).join(', ');
  const summary = causes.length === 1 ? list : `[${list}]`;
  // apimachinery qualifies the kind with its group: `Deployment.apps "x" is invalid`.
  return new ApiError(422, 'Invalid', `${qualified(kind, group)} "${name}" is invalid: ${summary}`, {
    name,
    group: group || undefined,
    kind,
    causes: causes.map((c) => ({ ...c, reason: c.reason ?? 'FieldValueInvalid' })),
  });
}

export function badRequest(message: string): ApiError {
  return new ApiError(400, 'BadRequest', message);
}

export function methodNotSupported(resource: string, group: string, verb: string): ApiError {
  return new ApiError(
    405,
    'MethodNotAllowed',
    `${verb} is not supported on resources of kind "${qualified(resource, group)}"`,
    {
      group: group || undefined,
      kind: resource,
    },
  );
}

export function expired(message: string): ApiError {
  return new ApiError(410, 'Expired', message);
}

export function tooManyRequests(
  message: string,
  retryAfterSeconds: number,
  causes?: StatusCause[],
): ApiError {
  // retryAfterSeconds is omitempty: a PDB block sends none, so clients do not auto-retry it.
  const details: StatusDetails = {};
  if (retryAfterSeconds > 0) details.retryAfterSeconds = retryAfterSeconds;
  if (causes) details.causes = causes;
  return new ApiError(429, 'TooManyRequests', message, details);
}

export function unsupportedMediaType(contentType: string, accepted: string[]): ApiError {
  return new ApiError(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`,
    contentType ? { causes: [{ reason: 'UnsupportedMediaType', message: contentType }] } : {},
  );
}

export function internalError(message: string): ApiError {
  return new ApiError(500, 'InternalError', `Internal error occurred: ${message}`, {
    causes: [{ message }],
  });
}

export function unauthorized(): ApiError {
  return new ApiError(401, 'Unauthorized', 'Unauthorized');
}

export function serviceUnavailable(message: string): ApiError {
  return new ApiError(503, 'ServiceUnavailable', message);
}
