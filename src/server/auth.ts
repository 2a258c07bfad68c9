/**
 * Bearer-token auth for everything but the public status page and health. The token is
 * compared in constant time, against every token serve knows; the name of the one that
 * matched is the request's `tokenName`, for the record. A missing or wrong one gets 401 with a `WWW-Authenticate`
 * header (RFC 6750) and a hint, never a hint of what the token is.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { ApiToken } from './api-tokens.ts';

declare module 'hono' {
  interface ContextVariableMap {
    /** The name of the token the request came with (api-tokens.ts); undefined for an unnamed one. */
    tokenName: string | undefined;
  }
}

const digest = (s: string) => createHash('sha256').update(s).digest();

export function bearerAuth(tokens: string | readonly ApiToken[]): MiddlewareHandler {
  const known = (typeof tokens === 'string' ? [{ token: tokens }] : tokens).map((t) => ({
    name: t.name,
    digest: digest(t.token),
  }));
  return async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    const sent = m ? digest(m[1]) : undefined;
    // Every token is compared, a match or not, so the time taken says nothing of which matched.
    let match: (typeof known)[number] | undefined;
    for (const k of known) if (sent && timingSafeEqual(sent, k.digest)) match ??= k;
    if (!match) {
      c.header('WWW-Authenticate', 'Bearer realm="kubetriage"');
      return c.json(
        {
          error: m ? 'the bearer token is wrong' : 'this endpoint needs a bearer token',
          hint: 'send "Authorization: Bearer <token>" with the token serve printed or was given (--token-file, $KUBETRIAGE_TOKEN)',
        },
        401,
      );
    }
    c.set('tokenName', match.name);
    await next();
  };
}

/** A fresh random token, for a `serve` started without one. */
export function newToken(): string {
  return randomBytes(24).toString('base64url');
}
