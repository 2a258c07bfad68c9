/**
 * The web dashboard's side of the server: the built React app (`npm run build:web` writes
 * it to dist/web) at `/` and `/assets/*`, and two read-only API routes it needs that the
 * incident API has no place for: the node map and the chart's time series. Mounted after
 * the bearer-token middleware, so the data needs the token while the app's files do not
 * (they hold nothing about the cluster).
 *
 * Asset names carry a content hash, so they are cached for a year; index.html is never
 * cached, so a new build is picked up on the next load. A strict Content-Security-Policy
 * keeps anything but our own scripts from running, should cluster data ever slip into
 * markup.
 */
import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { Hono } from 'hono';
import type { NodeMap } from './dashboard-nodes.ts';
import type { SeriesJson } from './dashboard-series.ts';

export const defaultAssetsDir = join(import.meta.dirname, '..', '..', 'dist', 'web');

export interface DashboardOptions {
  /** Where the built app lives (default dist/web at the repository root). */
  assetsDir?: string;
  nodeMap?: () => NodeMap | undefined;
  series?: () => SeriesJson | undefined;
}

const contentTypes: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.map': 'application/json',
};

const csp = [
  "default-src 'self'",
  "script-src 'self'",
  // React and uPlot set element styles through the CSSOM; no stylesheet comes from elsewhere.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-src 'self'",
  "frame-ancestors 'self'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

const securityHeaders = {
  'Content-Security-Policy': csp,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

function notBuilt(dir: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>kubetriage: dashboard not built</title></head>
<body><main><h1>The dashboard is not built</h1>
<p>No ${join(dir, 'index.html')}. Build it with <code>npm run build:web</code> (npm ci does it too) and reload.</p>
<p>Meanwhile the public <a href="/status">status page</a> and the JSON API under <code>/api</code> work.</p></main></body></html>`;
}

export function mountDashboard(app: Hono, o: DashboardOptions = {}): void {
  const dir = o.assetsDir ?? defaultAssetsDir;

  app.get('/', async (c) => {
    const html = await readFile(join(dir, 'index.html'), 'utf8').catch(() => undefined);
    if (html === undefined) return c.html(notBuilt(dir), 503);
    return c.html(html, 200, { ...securityHeaders, 'Cache-Control': 'no-cache' });
  });

  app.get('/assets/:file', async (c) => {
    const file = c.req.param('file');
    // Only flat, hashed build outputs: no dots leading anywhere else.
    if (!/^[\w-]+(\.[\w-]+)*$/.test(file)) return c.json({ error: `no asset ${file}` }, 404);
    const body = await readFile(join(dir, 'assets', file)).catch(() => undefined);
    if (body === undefined)
      return c.json({ error: `no asset ${file}`, hint: 'rebuild with npm run build:web' }, 404);
    return c.body(new Uint8Array(body), 200, {
      ...securityHeaders,
      'Content-Type': contentTypes[extname(file)] ?? 'application/octet-stream',
      'Cache-Control': 'public, max-age=31536000, immutable',
    });
  });

  app.get('/api/dashboard/nodes', (c) =>
    c.json(o.nodeMap?.() ?? { atMs: 0, total: 0, counts: { R: 0, N: 0, U: 0, C: 0 }, groups: [] }),
  );
  app.get('/api/dashboard/series', (c) =>
    c.json(
      o.series?.() ?? {
        atMs: [],
        series: {
          notReadyNodes: [],
          crashLoopPods: [],
          proxySyncFailingNodes: [],
          probeFailures: [],
          http5xx: [],
        },
        roundsPerPoint: 1,
      },
    ),
  );
}
