/**
 * Bearer-token auth for everything but the public status page and health. The token is
 * compared in constant time; a missing or wrong one gets 401 with a `WWW-Authenticate`
 * header (RFC 6750) and a hint, never a hint of what the token is.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';

const digest = (s: string) => createHash('sha256').update(s).digest();

export function bearerAuth(token: string): MiddlewareHandler {
  const want = digest(token);
  return async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    if (!m || !timingSafeEqual(digest(m[1]), want)) {
      c.header('WWW-Authenticate', 'Bearer realm="kubetriage"');
      return c.json(
        {
          error: m ? 'the bearer token is wrong' : 'this endpoint needs a bearer token',
          hint: 'send "Authorization: Bearer <token>" with the token serve printed or was given (--token-file, $KUBETRIAGE_TOKEN)',
        },
        401,
      );
    }
    await next();
  };
}

/** A fresh random token, for a `serve` started without one. */
export function newToken(): string {
  return randomBytes(24).toString('base64url');
}
