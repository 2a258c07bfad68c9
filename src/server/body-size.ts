/**
 * The size limit on what the API reads: 1 MiB, far above any note, status update or
 * Alertmanager payload a person or a receiver sends, and far below what would crowd the
 * cluster view out of memory (a 900 MB body took serve to 2.9 GB). The limit is counted
 * while the body streams in, so a chunked body without Content-Length is refused as soon
 * as it passes 1 MiB, not once it has all arrived.
 */
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';

export const maxBodyBytes = 1024 * 1024;

export function bodySizeLimit(): MiddlewareHandler {
  return bodyLimit({
    maxSize: maxBodyBytes,
    onError: (c) =>
      c.json(
        {
          error: `the request body is larger than ${maxBodyBytes / 1024 / 1024} MiB`,
          hint: 'send a shorter text; for Alertmanager, set max_alerts in its webhook_config',
        },
        413,
      ),
  });
}
