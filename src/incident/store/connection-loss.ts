/**
 * Which `pg` failures mean the database went away (a restart, a failover, a cut network)
 * rather than that the statement was wrong: those writes may be retried on a new
 * connection once the server is back.
 */

/** SQLSTATEs of a server that is shutting down or not yet taking connections. */
const serverGoingAway = new Set([
  '57P01', // admin_shutdown: pg_ctl stop -m fast, pg_terminate_backend
  '57P02', // crash_shutdown: another backend crashed and the server restarts
  '57P03', // cannot_connect_now: starting up or in recovery
  '53300', // too_many_connections
]);

/** Socket errors (Node's errno codes) on the way to the server. */
const socketErrors = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * The messages `pg` uses, without a code, for a connection that ended under it (the server
 * closed the socket), for a client it will no longer use after that, and for a pool that
 * could not connect in time.
 */
const lostConnection =
  /Connection terminated|not queryable|Client was closed|timeout exceeded when trying to connect/i;

export function isConnectionLoss(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | undefined;
  const code = typeof e?.code === 'string' ? e.code : '';
  // Class 08 is connection_exception.
  if (code.startsWith('08') || serverGoingAway.has(code) || socketErrors.has(code)) return true;
  return typeof e?.message === 'string' && lostConnection.test(e.message);
}
