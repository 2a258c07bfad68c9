/**
 * How a route refuses a request and reads what was posted, one way for every route file:
 * errors are JSON `{ error, hint }` with their status (thrown as Hono's HTTPException, so
 * a route stops where it fails), bodies must be JSON and pass their zod schema, and the
 * author is the one the client claims beside the named token that sent it.
 */
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { z } from 'zod';
import { claimedAuthor } from './api-input.ts';

export function fail(status: 400 | 403 | 404 | 409 | 415 | 503, error: string, hint?: string): never {
  throw new HTTPException(status, { res: Response.json({ error, hint }, { status }) });
}

export async function jsonBody<T extends z.ZodType>(req: Request, schema: T): Promise<z.infer<T>> {
  if (!(req.headers.get('content-type') ?? '').includes('application/json'))
    fail(415, 'send a JSON body', 'set "Content-Type: application/json"');
  let raw: unknown;
  try {
    raw = await req.json();
  } catch {
    fail(400, 'the body is not valid JSON');
  }
  const r = schema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0];
    fail(400, `${issue.path.join('.') || 'body'}: ${issue.message}`);
  }
  return r.data;
}

/** The author a client claims, and the named token that really sent it. */
export function requestAuthor(author: string | undefined, c: Context): { author: string; via?: string } {
  const claimed = claimedAuthor(author, c.req.header('x-kubetriage-user'));
  if ('error' in claimed) fail(400, claimed.error, 'send a plain name of 1 to 100 characters');
  const via = c.get('tokenName');
  return via ? { author: claimed.author, via } : { author: claimed.author };
}
