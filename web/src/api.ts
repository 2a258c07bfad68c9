/**
 * The dashboard's only way to the server: same-origin requests to the JSON API with the
 * bearer token. A 401 becomes `NeedToken` so the app can ask for the token again.
 */
import { token } from './token.ts';

export class NeedToken extends Error {}

/** Fired on window when the server refuses the token, so the app can ask for it again. */
export const tokenRefusedEvent = 'kubetriage:token-refused';

export class ApiError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

async function request(path: string, init: RequestInit = {}): Promise<Response> {
  const t = token();
  if (!t) throw new NeedToken('no token');
  const res = await fetch(path, {
    ...init,
    credentials: 'omit',
    headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${t}` },
  });
  if (res.status === 401) {
    window.dispatchEvent(new Event(tokenRefusedEvent));
    throw new NeedToken('the token was refused');
  }
  if (!res.ok) {
    let msg = `${res.status} ${res.statusText}`;
    try {
      const body = (await res.json()) as { error?: string; hint?: string };
      if (body.error) msg = body.hint ? `${body.error} (${body.hint})` : body.error;
    } catch {
      // not JSON: keep the status line
    }
    throw new ApiError(res.status, msg);
  }
  return res;
}

export async function getJson<T>(path: string): Promise<T> {
  return (await (await request(path)).json()) as T;
}

export async function getText(path: string): Promise<string> {
  return (await request(path)).text();
}

async function sendJson<T>(method: 'POST' | 'PATCH', path: string, body: unknown): Promise<T> {
  const res = await request(path, {
    method,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return (await res.json()) as T;
}

export const postJson = <T>(path: string, body: unknown) => sendJson<T>('POST', path, body);
export const patchJson = <T>(path: string, body: unknown) => sendJson<T>('PATCH', path, body);

export async function deleteJson(path: string): Promise<void> {
  await request(path, { method: 'DELETE' });
}

/** Public, no token: the cluster's name and the last round. */
export async function health(): Promise<import('./api-types.ts').Health> {
  return (await fetch('/healthz', { credentials: 'omit' })).json();
}
