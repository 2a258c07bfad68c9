/**
 * The API's changes (notes, actions, status changes, updates, approvals) are answered
 * only once they are in the store: a 2xx means the change survives a restart of this
 * process. While the store is unavailable they are refused with 503 and a Retry-After
 * before anything changes. One that was taken in memory but whose write then failed is
 * kept and written once the store is back; the caller learns it got 503 and, resending with
 * the same `Idempotency-Key`, gets the first answer back (once it is stored) rather than a
 * second copy of the change.
 */
import type { MiddlewareHandler } from 'hono';
import type { IncidentDesk } from './desk.ts';

/** Seconds a client should wait before resending: about the writer's longest backoff. */
const retryAfterSeconds = 5;
/** Keys remembered; the oldest go first (a client resends within minutes, not days). */
const keysKept = 10_000;

interface Answer {
  status: number;
  body: string;
  contentType: string;
}

function unavailable(error: string, hint: string): Response {
  return Response.json(
    { error, hint },
    { status: 503, headers: { 'Retry-After': String(retryAfterSeconds) } },
  );
}

/** Statuses whose response must have no body: `new Response('', { status: 204 })` throws. */
const noBody = new Set([204, 205, 304]);

function replay(a: Answer): Response {
  return noBody.has(a.status)
    ? new Response(null, { status: a.status })
    : new Response(a.body, { status: a.status, headers: { 'Content-Type': a.contentType } });
}

export function durableWrites(desk: IncidentDesk): MiddlewareHandler {
  /** Per key, the answer of the request that made the change (undefined: it changed nothing). */
  const answers = new Map<string, Promise<Answer | undefined>>();
  const stored = async (): Promise<Response | undefined> => {
    try {
      await desk.durable();
      return undefined;
    } catch (err) {
      return unavailable(
        `the incident store has not written this change yet: ${(err as Error).message}`,
        'it is kept in memory and written once the store is back (see /healthz); resend with the same Idempotency-Key to learn when',
      );
    }
  };
  return async (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD' || c.req.method === 'OPTIONS') return next();
    const header = c.req.header('idempotency-key');
    const key = header ? `${c.req.method} ${c.req.path} ${header}` : undefined;
    const earlier = key ? await answers.get(key) : undefined;
    if (earlier) {
      c.res = (await stored()) ?? replay(earlier);
      return;
    }
    if (desk.storeError !== undefined) {
      c.res = unavailable(
        `the incident store is unavailable: ${desk.storeError}`,
        'nothing was changed; resend after Retry-After (see /healthz)',
      );
      return;
    }
    let settle: (a: Answer | undefined) => void = () => {};
    if (key) {
      answers.set(
        key,
        new Promise((resolve) => {
          settle = resolve;
        }),
      );
      if (answers.size > keysKept) answers.delete(answers.keys().next().value as string);
    }
    let answer: Answer | undefined;
    try {
      await next();
      if (c.res.ok)
        answer = {
          status: c.res.status,
          body: await c.res.clone().text(),
          contentType: c.res.headers.get('content-type') ?? 'application/json',
        };
    } finally {
      settle(answer);
      // A refused request changed nothing: the same key may try again from scratch.
      if (key && !answer) answers.delete(key);
    }
    if (answer) {
      const refusal = await stored();
      if (refusal) c.res = refusal;
    }
  };
}
